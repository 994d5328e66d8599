import { ClientNats, type NatsOptions, Transport } from '@nestjs/microservices';

export interface NatsConnectionSettings {
  /** NATS server URL(s), comma-separated. */
  natsUrl: string;
  /** Connection name shown by the NATS server's monitoring. */
  name: string;
}

export interface NatsServerSettings extends NatsConnectionSettings {
  /** Queue group shared by the replicas of one service. */
  queue: string;
  /**
   * How long shutdown lets in-flight handlers answer after unsubscribing (default 5000 ms): a
   * reply later than the callers' deadline would reach nobody, so the bus timeout is the bound.
   */
  gracePeriodMs?: number;
}

/**
 * Connection settings shared by servers and clients: connect whenever NATS comes up (boot does not
 * depend on start order) and reconnect forever (a NATS restart is an outage, not a crash).
 */
export function natsConnectionOptions({ natsUrl, name }: NatsConnectionSettings) {
  return {
    servers: natsUrl
      .split(',')
      .map((url) => url.trim())
      .filter((url) => url !== ''),
    name,
    waitOnFirstConnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
  };
}

/**
 * Options for Nest's NATS server: every handler joins the queue group (one replica answers each
 * request) unless it opts out per handler (see `BroadcastEventPattern`). On close, Nest's
 * `gracefulShutdown` unsubscribes first, so NATS routes new messages to the other replicas, then
 * waits `gracePeriod` for in-flight handlers before closing the connection.
 */
export function natsServerOptions(settings: NatsServerSettings): NatsOptions {
  return {
    transport: Transport.NATS,
    options: {
      ...natsConnectionOptions(settings),
      queue: settings.queue,
      gracefulShutdown: true,
      gracePeriod: settings.gracePeriodMs ?? 5000,
    },
  };
}

export function createNatsClient(settings: NatsConnectionSettings): ClientNats {
  return new ClientNats(natsConnectionOptions(settings));
}
