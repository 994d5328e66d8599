import type { NatsAuth } from '@latchkey/config';
import type { ServiceName } from '@latchkey/contracts';
import type { BusRequestObserver } from './bus.client';

/** Default deadline of a bus request; long enough for a cold Postgres query, short enough for HTTP. */
export const DEFAULT_BUS_TIMEOUT_MS = 5000;

export interface TransportOptions {
  /** The service this process runs as: the NATS queue group and connection name. */
  service: ServiceName;
  /** NATS server URL(s), comma-separated. Absent: embedded mode, the in-process bus. */
  natsUrl?: string;
  /** NATS credentials and TLS (NATS_USER..., NATS_TLS_*). */
  natsAuth?: NatsAuth;
  /** Default deadline of `BusClient.request`, in ms (default 5000). */
  timeoutMs?: number;
  /** NATS only: the installation's NATS_SUBJECT_PREFIX, prepended to every subject on the wire. */
  subjectPrefix?: string;
  /** Told of every finished `BusClient.request` (metrics). */
  observeRequest?: BusRequestObserver;
}

/** DI token of the ClientProxy (ClientNats or InProcessClient) that BusClient wraps. */
export const BUS_CLIENT_PROXY = 'LATCHKEY_BUS_CLIENT_PROXY';
/** DI token of the BusClientOptions. */
export const BUS_CLIENT_OPTIONS = 'LATCHKEY_BUS_CLIENT_OPTIONS';
