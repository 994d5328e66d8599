import {
  ClosedConnectionError,
  ConnectionError,
  DrainingConnectionError,
  NoRespondersError,
  RequestError,
  TimeoutError as NatsTimeoutError,
} from '@nats-io/nats-core';
import { TimeoutError as RxTimeoutError } from 'rxjs';

/**
 * The bus could not carry a message: no connection, a connection closing, nobody subscribed to
 * the subject, or no answer before the deadline. Its `code` is what the outage mapping of
 * @latchkey/oauth (`isBackendUnavailable`) recognises: 503 temporarily_unavailable.
 */
export class BusUnavailableError extends Error {
  readonly code = 'BUS_UNAVAILABLE' as const;

  constructor(message = 'bus unavailable', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BusUnavailableError';
  }
}

/** NATS (and rxjs deadline) failures that mean the bus, not the request, is at fault. */
const BUS_FAILURES = [
  NatsTimeoutError,
  NoRespondersError,
  RequestError,
  ClosedConnectionError,
  DrainingConnectionError,
  ConnectionError,
  RxTimeoutError,
];

/** Wraps a bus failure in {@link BusUnavailableError}; returns anything else unchanged. */
export function toBusError(err: unknown): unknown {
  if (err instanceof BusUnavailableError) return err;
  if (!BUS_FAILURES.some((kind) => err instanceof kind)) return err;
  return new BusUnavailableError(`bus unavailable: ${(err as Error).message}`, { cause: err });
}

/**
 * True when the bus said nobody subscribes to the subject: NATS "no responders" (nats-core's
 * NoRespondersError, alone or as the cause of a RequestError) or the in-process bus's own
 * (`code` NO_RESPONDERS). The message reached no handler, so nothing was done.
 */
export function isNoResponders(err: unknown): boolean {
  if (err instanceof NoRespondersError) return true;
  if (err instanceof RequestError) return err.isNoResponders();
  return (err as { code?: unknown } | null)?.code === 'NO_RESPONDERS';
}
