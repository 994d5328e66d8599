import { readFileSync } from 'node:fs';
import {
  credsAuthenticator,
  type Msg,
  nkeyAuthenticator,
  NoRespondersError,
  type TlsOptions,
} from '@nats-io/nats-core';
import {
  ClientNats,
  type CustomStrategy,
  type MsPattern,
  type PacketId,
  type ReadPacket,
  ServerNats,
  type WritePacket,
} from '@nestjs/microservices';
import type { NatsAuth } from '@latchkey/config';
import { installationSubject } from '@latchkey/contracts';

export interface NatsConnectionSettings {
  /** NATS server URL(s), comma-separated. */
  natsUrl: string;
  /** Connection name shown by the NATS server's monitoring. */
  name: string;
  /** The installation's NATS_SUBJECT_PREFIX: every subject on the wire carries it. */
  subjectPrefix?: string;
  /** Credentials and TLS; the server's permissions for this user decide what it may do. */
  auth?: NatsAuth;
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
export function natsConnectionOptions({ natsUrl, name, auth }: NatsConnectionSettings) {
  return {
    servers: natsUrl
      .split(',')
      .map((url) => url.trim())
      .filter((url) => url !== ''),
    name,
    waitOnFirstConnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    ...natsAuthOptions(auth),
  };
}

/**
 * How a connection authenticates (docs/audit-consumers.md): user and password, an NKey seed or
 * a credentials file, plus TLS. The credentials file is read again on every (re)connect, so a
 * rotated file is picked up without a restart.
 */
export function natsAuthOptions(auth: NatsAuth | undefined) {
  if (!auth) return {};
  const options: {
    user?: string;
    pass?: string;
    authenticator?: ReturnType<typeof nkeyAuthenticator>;
    tls?: TlsOptions;
  } = {};
  if (auth.user !== undefined) {
    options.user = auth.user;
    options.pass = auth.password;
  }
  const { nkeySeed, credsFile, tls } = auth;
  if (nkeySeed) options.authenticator = nkeyAuthenticator(new TextEncoder().encode(nkeySeed));
  if (credsFile) options.authenticator = credsAuthenticator(() => readFileSync(credsFile));
  if (tls) {
    options.tls = {
      ...(tls.caFile ? { caFile: tls.caFile } : {}),
      ...(tls.certFile ? { certFile: tls.certFile, keyFile: tls.keyFile } : {}),
    };
  }
  return options;
}

/**
 * Options for Nest's NATS server: every handler joins the queue group (one replica answers each
 * request) unless it opts out per handler (see `BroadcastEventPattern`). On close, Nest's
 * `gracefulShutdown` unsubscribes first, so NATS routes new messages to the other replicas, then
 * waits `gracePeriod` for in-flight handlers before closing the connection.
 */
export function natsServerOptions(settings: NatsServerSettings): CustomStrategy {
  const options = {
    ...natsConnectionOptions(settings),
    queue: settings.queue,
    gracefulShutdown: true,
    gracePeriod: settings.gracePeriodMs ?? 5000,
  };
  return {
    strategy: new InstallationServerNats(options, settings.subjectPrefix, options.gracePeriod),
  };
}

export function createNatsClient(settings: NatsConnectionSettings): ClientNats {
  return new InstallationClientNats(natsConnectionOptions(settings), settings.subjectPrefix);
}

type NatsConnectionOptions = ConstructorParameters<typeof ClientNats>[0];
interface Subscriber {
  subscribe(subject: string, options: unknown): unknown;
}

/**
 * Nest's NATS server, subscribed to the installation's subjects: handlers are still registered
 * and looked up by the contract's subjects (`@MessagePattern(TokenSubjects.Request)`), only the
 * subscriptions on the wire carry the prefix.
 */
class InstallationServerNats extends ServerNats {
  constructor(
    options: NatsConnectionOptions,
    private readonly subjectPrefix: string | undefined,
    private readonly gracePeriodMs: number,
  ) {
    super(options);
  }

  /**
   * Drains the subscriptions before Nest's graceful close (which unsubscribes and waits the grace
   * period for handlers). A plain unsubscribe drops a request the server routed here just
   * before it saw the unsubscription, and its caller waits out its deadline for an answer
   * nobody sends (a 503 during every rolling restart); a drain handles it. Bounded by the
   * grace period, for a connection that is down.
   */
  override async close(): Promise<void> {
    const subscriptions =
      (this as unknown as { subscriptions?: Array<{ drain(): Promise<void> }> }).subscriptions ??
      [];
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(subscriptions.map((sub) => sub.drain().catch(() => undefined))),
      new Promise((resolve) => (timer = setTimeout(resolve, this.gracePeriodMs))),
    ]);
    clearTimeout(timer);
    await super.close();
  }

  override bindEvents(client: Subscriber): void {
    const prefix = this.subjectPrefix;
    if (!prefix) return super.bindEvents(client);
    super.bindEvents({
      subscribe: (subject: string, options: unknown) =>
        client.subscribe(installationSubject(prefix, subject), options),
    });
  }
}

/** Nest's NATS client, sending requests and events on the installation's subjects. */
class InstallationClientNats extends ClientNats {
  constructor(
    options: NatsConnectionOptions,
    private readonly subjectPrefix: string | undefined,
  ) {
    super(options);
  }

  protected override normalizePattern(pattern: MsPattern): string {
    return installationSubject(this.subjectPrefix, super.normalizePattern(pattern));
  }

  /**
   * NATS answers a request nobody subscribes to with an empty status message (503 "No
   * Responders"), which Nest reports as an empty response like any other. Reported here as
   * nats-core's NoRespondersError instead, so that BusClient can tell "nobody got it" (safe to
   * send again, `isNoResponders`) from a lost answer.
   */
  override createSubscriptionHandler(
    packet: ReadPacket & PacketId,
    callback: (packet: WritePacket) => unknown,
  ): ReturnType<ClientNats['createSubscriptionHandler']> {
    const handle = super.createSubscriptionHandler(packet, callback);
    return async (error, natsMsg) => {
      if (!error && (natsMsg as Partial<Msg> | undefined)?.headers?.code === 503) {
        return callback({
          err: new NoRespondersError(this.normalizePattern(packet.pattern as MsPattern)),
          isDisposed: true,
        });
      }
      return (await handle(error, natsMsg)) as unknown;
    };
  }
}
