import { Logger } from '@nestjs/common';
import { type CustomTransportStrategy, Server, type WritePacket } from '@nestjs/microservices';
import { headersFromRecord } from '../transport-headers';
import {
  InProcessBus,
  type InProcessEndpoint,
  type InProcessMessage,
  type InProcessReply,
  type InProcessSubscription,
} from './in-process.bus';
import { InProcessContext } from './in-process.context';
import { subjectMatches } from './nats-subject';

/** Transport id of in-process servers (handlers without an explicit transport register on it too). */
export const IN_PROCESS_TRANSPORT = Symbol('latchkey:in-process');

export interface InProcessServerOptions {
  /** Queue group of this server's handlers, as `queue` is on NATS: the service name. */
  service?: string;
  /** Defaults to the process-wide `InProcessBus.shared`; tests pass their own to stay isolated. */
  bus?: InProcessBus;
}

interface IncomingPacket {
  id?: string;
  pattern?: unknown;
  data?: unknown;
}

/**
 * Nest microservice strategy for embedded mode: registers this app's `@MessagePattern` and
 * `@EventPattern` handlers on the in-process bus and runs them through Nest's own request and
 * event pipeline (guards, interceptors, filters), with the context a NATS handler would get.
 */
export class InProcessServer extends Server implements CustomTransportStrategy, InProcessEndpoint {
  override transportId = IN_PROCESS_TRANSPORT;
  protected override readonly logger = new Logger(InProcessServer.name);
  private readonly bus: InProcessBus;
  private readonly service?: string;
  private listening = false;

  constructor(options: InProcessServerOptions = {}) {
    super();
    this.bus = options.bus ?? InProcessBus.shared;
    this.service = options.service;
  }

  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    this.listening = true;
    this.bus.register(this);
    this._status$.next('connected');
    callback();
  }

  close(): void {
    this.listening = false;
    this.bus.unregister(this);
    this._status$.next('disconnected');
  }

  /** There are no connection events in-process. */
  on(_event: unknown, _callback: unknown): void {}

  unwrap<T>(): T {
    return this.bus as unknown as T;
  }

  subscription(subject: string): InProcessSubscription | undefined {
    const pattern = this.findPattern(subject);
    if (pattern === undefined) return undefined;
    // Nest's NATS server honours a per-handler `queue` extra the same way.
    const queue: unknown = this.messageHandlers.get(pattern)?.extras?.queue;
    return { queue: typeof queue === 'string' ? queue : this.service };
  }

  receive(message: InProcessMessage, reply?: InProcessReply): void {
    // A message routed before close() is dropped, as NATS drops it after unsubscribe.
    if (!this.listening) return;
    const pattern = this.findPattern(message.subject);
    const handler = pattern === undefined ? undefined : this.messageHandlers.get(pattern);
    if (pattern === undefined || !handler) return;

    const packet = JSON.parse(message.payload) as IncomingPacket;
    const headers = message.headers ? headersFromRecord(message.headers) : undefined;
    const context = new InProcessContext([message.subject, headers]);

    if (packet.id === undefined || !reply) {
      this.handleEvent(pattern, { pattern: packet.pattern, data: packet.data }, context).catch(
        (err: unknown) => this.logger.error(err),
      );
      return;
    }

    const id = packet.id;
    // The response is serialized here and parsed by the client: no object is shared between the
    // two sides, and it must survive JSON exactly as it would have to on NATS.
    const respond = (response: WritePacket) => reply(JSON.stringify({ ...response, id }));
    const processing: unknown = this.handleRequest(
      context,
      async () => this.transformToObservable(await handler(packet.data, context)),
      respond,
    );
    Promise.resolve(processing).catch((err: unknown) => this.logger.error(err));
  }

  private findPattern(subject: string): string | undefined {
    if (this.messageHandlers.has(subject)) return subject;
    for (const pattern of this.messageHandlers.keys()) {
      if (subjectMatches(pattern, subject)) return pattern;
    }
    return undefined;
  }
}
