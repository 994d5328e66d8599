import { Logger } from '@nestjs/common';
import {
  ClientProxy,
  type MsPattern,
  NatsRecord,
  type ReadPacket,
  type WritePacket,
} from '@nestjs/microservices';
import { headersToRecord, type TransportHeaders } from '../transport-headers';
import { InProcessBus, type InProcessMessage } from './in-process.bus';

export interface InProcessClientOptions {
  /** Defaults to the process-wide `InProcessBus.shared`. */
  bus?: InProcessBus;
}

/** What a request to a subject nobody subscribes to fails with (NATS: "no responders"). */
export class NoRespondersError extends Error {
  readonly code = 'NO_RESPONDERS';

  constructor(subject: string) {
    super(`no responders for "${subject}"`);
    this.name = 'NoRespondersError';
  }
}

export type InProcessClientStatus = 'connected' | 'disconnected';

/** A reply as it comes back through the bus: JSON text of a WritePacket. */
interface EncodedReply {
  err?: unknown;
  response?: unknown;
  isDisposed?: boolean;
}

type ReplyCallback = (packet: WritePacket) => void;

/**
 * ClientProxy for embedded mode. Sends what ClientNats sends (a packet, optionally wrapped in a
 * `NatsRecord` for headers) through the in-process bus, encoded to JSON text on the way in and out.
 */
export class InProcessClient extends ClientProxy<Record<never, never>, InProcessClientStatus> {
  private readonly logger = new Logger(InProcessClient.name);
  private readonly bus: InProcessBus;
  private connected = false;

  constructor(options: InProcessClientOptions = {}) {
    super();
    this.bus = options.bus ?? InProcessBus.shared;
  }

  async connect(): Promise<InProcessBus> {
    if (!this.connected) {
      this.connected = true;
      this._status$.next('connected');
    }
    return this.bus;
  }

  async close(): Promise<void> {
    this.connected = false;
    this._status$.next('disconnected');
    // As ClientNats does: whoever still waits for a reply learns now rather than at its timeout.
    // routingMap is typed `Function` by Nest; publish() puts only its ReplyCallbacks in it.
    const pending = [...this.routingMap.values()] as ReplyCallback[];
    this.routingMap.clear();
    for (const callback of pending) callback({ err: new Error('Connection closed') });
  }

  unwrap<T>(): T {
    return this.bus as unknown as T;
  }

  protected publish(partialPacket: ReadPacket, callback: ReplyCallback): () => void {
    const packet = this.assignPacketId(partialPacket);
    const subject = this.normalizePattern(packet.pattern as MsPattern);
    let settled = false;
    const finish: ReplyCallback = (response) => {
      if (settled) return;
      if (response.err !== undefined || response.isDisposed) {
        settled = true;
        this.routingMap.delete(packet.id);
      }
      callback(response);
    };
    this.routingMap.set(packet.id, finish);
    const teardown = () => {
      settled = true;
      this.routingMap.delete(packet.id);
    };

    let message: InProcessMessage;
    try {
      this.assertConnected();
      message = this.encode(subject, packet);
    } catch (err) {
      finish({ err });
      return teardown;
    }
    const heard = this.bus.request(message, (payload) => {
      const { err, response, isDisposed } = JSON.parse(payload) as EncodedReply;
      // Same rule as ClientNats: an error or a disposal ends the exchange.
      finish(err !== undefined || isDisposed ? { err, response, isDisposed: true } : { response });
    });
    if (!heard) {
      // Asynchronously, as the "no responders" status arrives from the NATS server.
      void Promise.resolve().then(() =>
        finish({ err: new NoRespondersError(subject), isDisposed: true }),
      );
    }
    return teardown;
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    this.assertConnected();
    const subject = this.normalizePattern(packet.pattern as MsPattern);
    const delivered = this.bus.publish(this.encode(subject, packet));
    if (delivered === 0) this.logger.debug(`event "${subject}" has no subscribers`);
    return undefined as T;
  }

  private assertConnected(): void {
    if (!this.connected) throw new Error('Connection closed');
  }

  /** JSON, as on NATS: Dates become strings, undefined disappears, nothing is shared by reference. */
  private encode(subject: string, packet: ReadPacket): InProcessMessage {
    const record = packet.data instanceof NatsRecord ? packet.data : undefined;
    const data: unknown = record ? record.data : packet.data;
    const headers = record?.headers as TransportHeaders | undefined;
    return {
      subject,
      payload: JSON.stringify({ ...packet, data }),
      headers: headersToRecord(headers),
    };
  }
}
