import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import { type ClientProxy, NatsRecordBuilder } from '@nestjs/microservices';
import { isRetrySafeSubject } from '@latchkey/contracts';
import { OAuthError, TemporarilyUnavailable } from '@latchkey/oauth';
import { performance } from 'node:perf_hooks';
import { lastValueFrom, type Observable, type Subscription, timeout, TimeoutError } from 'rxjs';
import {
  ACTOR_HEADER,
  CALLER_IP_HEADER,
  CALLER_USER_AGENT_HEADER,
  DEADLINE_HEADER,
  REQUEST_ID_HEADER,
  RequestContext,
} from './request-context';
import { isNoResponders } from './bus.errors';
import { injectTraceContext, traceBusCall } from './bus-tracing';
import { createHeaders } from './transport-headers';
import { BUS_CLIENT_OPTIONS, BUS_CLIENT_PROXY, DEFAULT_BUS_TIMEOUT_MS } from './transport.options';

/**
 * The part of a Nest ClientProxy that BusClient uses: ClientNats and InProcessClient both fit
 * (their status types differ, which the generic ClientProxy type cannot express).
 */
export type BusClientProxy = Pick<ClientProxy, 'connect' | 'close' | 'send' | 'emit'> & {
  readonly status: Observable<string>;
};

export interface BusClientOptions {
  /** Default deadline of `request` and `emit`, in ms. */
  timeoutMs?: number;
  /** Told of every finished request (metrics); never throws into the caller. */
  observe?: BusRequestObserver;
}

/**
 * How a request ended, seen from the caller: `ok`, `error` (the service answered an OAuth error)
 * or `unavailable` (a timeout, nobody listening, the bus down: a 503).
 */
export type BusRequestOutcome = 'ok' | 'error' | 'unavailable';

export type BusRequestObserver = (
  subject: string,
  outcome: BusRequestOutcome,
  seconds: number,
) => void;

/**
 * Pauses before each new send of a retry-safe request that met "no responders" (at most five
 * more sends, about 1.5 s in all, and never past the request's deadline): long enough for a
 * restarted replica to subscribe, short enough to stay inside the caller's deadline.
 */
export const NO_RESPONDERS_RETRY_PAUSES_MS: readonly number[] = [50, 100, 200, 400, 800];

export interface BusRequestOptions {
  timeoutMs?: number;
}

/**
 * The one way services call each other. Whatever the transport (NATS or in-process), callers see
 * either the response, the OAuthError the remote handler threw (rebuilt as its own subclass), or
 * TemporarilyUnavailable: timeouts, a bus that is down, nobody listening. Transport detail goes to
 * the log, never to the caller, so nothing internal can reach an HTTP response.
 */
@Injectable()
export class BusClient implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(BusClient.name);
  private readonly timeoutMs: number;
  private readonly observe?: BusRequestObserver;
  private readonly statusSubscription: Subscription;
  private status: string | undefined;
  private closed = false;

  constructor(
    @Inject(BUS_CLIENT_PROXY) private readonly client: BusClientProxy,
    @Optional() @Inject(BUS_CLIENT_OPTIONS) options: BusClientOptions = {},
  ) {
    this.timeoutMs = options?.timeoutMs ?? DEFAULT_BUS_TIMEOUT_MS;
    this.observe = options?.observe;
    this.statusSubscription = client.status.subscribe((status) => (this.status = status));
  }

  onModuleInit(): void {
    // Connect in the background: boot must not wait for NATS, and the first request should not
    // pay for the handshake. Until connected, requests fail at their deadline with 503.
    this.client.connect().catch((err: unknown) => {
      this.logger.warn(`bus not reachable yet: ${describe(err)}`);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /**
   * A request that waits at most `timeoutMs` (the bus timeout by default), and never past the
   * deadline of the request it is made for: the deadline travels in the `latchkey-deadline`
   * header, so the service that answers drops the work once nobody waits for it.
   *
   * When NATS answers "no responders" (no replica subscribed, as between one replica leaving and
   * the next joining during a rolling restart), a request on a retry-safe subject of the wire
   * contract (`isRetrySafeSubject`) is sent again after a short pause, within the same deadline;
   * any other request (a code redemption) fails at once with 503.
   */
  request<TRes>(subject: string, data: unknown, opts: BusRequestOptions = {}): Promise<TRes> {
    return traceBusCall(subject, 'request', () => this.send<TRes>(subject, data, opts));
  }

  private async send<TRes>(subject: string, data: unknown, opts: BusRequestOptions): Promise<TRes> {
    const startedAt = Date.now();
    const started = performance.now();
    const deadline = Math.min(
      startedAt + (opts.timeoutMs ?? this.timeoutMs),
      RequestContext.deadline() ?? Infinity,
    );
    const retrySafe = isRetrySafeSubject(subject);
    try {
      for (let attempt = 0; ; attempt++) {
        const sentAt = Date.now();
        if (RequestContext.callerGaveUp(sentAt)) throw new TimeoutError();
        try {
          const response$ = this.client
            .send<TRes>(subject, this.record(data, deadline))
            .pipe(timeout(Math.max(deadline - sentAt, 1)));
          const response = (await lastValueFrom(response$, { defaultValue: undefined })) as TRes;
          this.observe?.(subject, 'ok', (performance.now() - started) / 1000);
          return response;
        } catch (err) {
          const pause = NO_RESPONDERS_RETRY_PAUSES_MS[attempt];
          if (!retrySafe || !isNoResponders(err) || pause === undefined) throw err;
          if (Date.now() + pause >= deadline) throw err;
          await new Promise((resolve) => setTimeout(resolve, pause));
        }
      }
    } catch (err) {
      const error = this.callerError('request', subject, err, startedAt);
      const outcome = error instanceof TemporarilyUnavailable ? 'unavailable' : 'error';
      this.observe?.(subject, outcome, (performance.now() - started) / 1000);
      throw error;
    }
  }

  /**
   * Fire and forget, but a bus that cannot take the event says so (TemporarilyUnavailable). It
   * resolves once the NATS server has routed the event (a flush: the server answers in order), so
   * an answer the caller sends afterwards, even on another connection, reaches no subscriber
   * before the event (docs/architecture.md §2.6).
   */
  emit(subject: string, data: unknown): Promise<void> {
    return traceBusCall(subject, 'event', () => this.publish(subject, data));
  }

  private async publish(subject: string, data: unknown): Promise<void> {
    const startedAt = Date.now();
    try {
      // Connect first, under the deadline: Nest's emit() is hot, so an event handed over while the
      // connection is still pending would go out later, after the caller was told it failed.
      await withDeadline(this.client.connect(), this.timeoutMs);
      await lastValueFrom(this.client.emit(subject, this.record(data)), {
        defaultValue: undefined,
      });
      await withDeadline(this.roundTrip(), this.timeoutMs);
    } catch (err) {
      throw this.callerError('emit', subject, err, startedAt);
    }
  }

  /** Last known connection state (in-process: connected once started). */
  isConnected(): boolean {
    return !this.closed && this.status === 'connected';
  }

  /** Readiness probe: connects if needed and round-trips to the NATS server. Never throws. */
  async ping(timeoutMs = Math.min(this.timeoutMs, 2000)): Promise<boolean> {
    if (this.closed) return false;
    try {
      await withDeadline(this.roundTrip(), timeoutMs);
      return true;
    } catch (err) {
      this.logger.warn(`bus ping failed: ${describe(err)}`);
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.statusSubscription.unsubscribe();
    await this.client.close();
  }

  private async roundTrip(): Promise<void> {
    const connection: unknown = await this.client.connect();
    const flush = (connection as { flush?: unknown } | null)?.flush;
    if (typeof flush === 'function') await flush.call(connection);
  }

  /**
   * Wraps the payload with the headers every message carries: the request id, the deadline, the
   * HTTP caller and the actor, when there are some (the audit events of the receiving service
   * name them), and the trace context when tracing is on.
   */
  private record(data: unknown, deadline?: number) {
    const context = RequestContext.current();
    const actor = context?.actor;
    const headers = createHeaders({
      [REQUEST_ID_HEADER]: context?.requestId,
      [DEADLINE_HEADER]: deadline === undefined ? undefined : String(deadline),
      [CALLER_IP_HEADER]: context?.caller?.ip,
      [CALLER_USER_AGENT_HEADER]: context?.caller?.userAgent,
      [ACTOR_HEADER]: actor && RequestContext.formatActor(actor),
    });
    injectTraceContext(headers);
    return new NatsRecordBuilder(data).setHeaders(headers).build();
  }

  private callerError(kind: string, subject: string, err: unknown, startedAt: number): OAuthError {
    if (err instanceof OAuthError) return err;
    if (OAuthError.isSerialized(err)) return OAuthError.deserialize(err);
    const requestId = RequestContext.requestId();
    this.logger.warn(
      `${kind} "${subject}" failed after ${Date.now() - startedAt} ms` +
        `${requestId ? ` (request ${requestId})` : ''}: ${describe(err)}`,
    );
    return new TemporarilyUnavailable();
  }
}

/** Rejects with rxjs' TimeoutError when `promise` has not settled within `ms`. */
async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError()), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(err: unknown): string {
  if (err instanceof TimeoutError) return 'no response before the deadline';
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err)?.slice(0, 500) ?? String(err);
  } catch {
    return String(err);
  }
}
