import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { type ConsumerMessages, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import type { NatsAuth } from '@latchkey/config';
import { auditDeadLetterSubject } from '@latchkey/contracts';
import { InvalidRequest, TemporarilyUnavailable } from '@latchkey/oauth';
import {
  auditConsumerPending,
  auditDeadLetters,
  auditRedeliveries,
  ReadinessRegistry,
} from '@latchkey/platform';
import { natsConnectionOptions } from '@latchkey/transport';
import { AuditIngest } from './audit-ingest.service';
import {
  type AuditStreamSettings,
  ensureAuditConsumer,
  ensureAuditStream,
  ensureDeadLetterStream,
} from './audit-stream';

export interface AuditStreamConsumerSettings extends AuditStreamSettings {
  natsUrl: string;
  natsAuth?: NatsAuth;
  /** Connection name shown by the NATS server. */
  connectionName: string;
  /**
   * Deliveries of a message that fails to be stored for a reason other than an outage (a poison
   * message) before it is moved to the dead-letter subject.
   */
  maxDeliveries: number;
  /** A message that could not be stored (database down) comes back after this. */
  retryDelayMs: number;
  /** How long shutdown waits for the message being stored. */
  shutdownTimeoutMs: number;
}

/** DI token of {@link AuditStreamConsumerSettings}. */
export const AUDIT_STREAM_SETTINGS = 'LATCHKEY_AUDIT_STREAM_SETTINGS';

const FIRST_RETRY_MS = 500;
/** Most stream messages stored in one transaction. */
const MAX_BATCH = 100;
const MAX_RETRY_MS = 30_000;

/**
 * Distributed mode: makes sure the AUDIT stream and the durable `audit-store` consumer exist,
 * then stores each message in the chain and acknowledges it, one at a time, in stream order. A
 * malformed event is terminated (never redelivered); one that could not be stored now is
 * redelivered later. Runs in the background: boot does not wait for NATS, and a lost connection
 * or consumer is set up again with backoff. Readiness (`audit-stream`) tells whether it consumes.
 */
@Injectable()
export class AuditStreamConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditStreamConsumer.name);
  private connection?: NatsConnection;
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private stopped = false;
  private consuming = false;
  /** True from a failed store until the next success (one warning per outage). */
  private storeFailing = false;
  private wakeSleep?: () => void;
  private readonly readyWaiters: Array<() => void> = [];
  private readonly pending = auditConsumerPending();
  private readonly redeliveries = auditRedeliveries();
  private readonly deadLetters = auditDeadLetters();

  constructor(
    private readonly ingest: AuditIngest,
    @Inject(AUDIT_STREAM_SETTINGS) private readonly settings: AuditStreamConsumerSettings,
    @Optional() readiness?: ReadinessRegistry,
  ) {
    readiness?.register({
      name: 'audit-stream',
      check: async () => {
        if (!this.consuming) throw new Error('not consuming the audit stream');
      },
    });
  }

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wakeSleep?.();
    await this.messages?.close().catch(() => undefined);
    if (this.loop) await withTimeout(this.loop, this.settings.shutdownTimeoutMs);
    await this.connection?.close().catch(() => undefined);
  }

  /** Resolves once messages are being consumed (tests, and start-up logs). */
  ready(): Promise<void> {
    if (this.consuming) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  private async run(): Promise<void> {
    let retryMs = FIRST_RETRY_MS;
    while (!this.stopped) {
      try {
        await this.consume();
        retryMs = FIRST_RETRY_MS;
      } catch (err) {
        this.logger.warn(`audit stream not consumed, retrying in ${retryMs} ms: ${describe(err)}`);
      }
      this.consuming = false;
      if (this.stopped) break;
      await this.sleep(retryMs);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    }
  }

  /** One session: set up the stream and consumer, then handle messages until closed. */
  private async consume(): Promise<void> {
    const nc = await this.connect();
    const jsm = await jetstreamManager(nc);
    const stream = await ensureAuditStream(jsm, this.settings);
    const consumer = await ensureAuditConsumer(jsm, this.settings);
    const { num_pending } = await jsm.consumers.info(
      this.settings.streamName,
      this.settings.consumerName,
    );
    this.pending.set(num_pending);
    await ensureDeadLetterStream(jsm, this.settings);
    if (stream === 'created' || consumer === 'created') {
      this.logger.log(
        `audit stream ${this.settings.streamName} ${stream}, consumer ${this.settings.consumerName} ${consumer}`,
      );
    }
    const messages = await jetstream(nc)
      .consumers.get(this.settings.streamName, this.settings.consumerName)
      .then((c) => c.consume({ max_messages: 100 }));
    this.messages = messages;
    if (this.stopped) {
      await messages.close();
      return;
    }
    this.consuming = true;
    for (const resolve of this.readyWaiters.splice(0)) resolve();
    // Messages that arrive while a batch is being stored wait here and go into the next one:
    // one transaction per batch rather than per event (docs/architecture.md §6). The consumer's
    // max_ack_pending bounds what can wait.
    const waiting: JsMsg[] = [];
    let arrived: (() => void) | undefined;
    let ended = false;
    const reading = (async () => {
      try {
        for await (const message of messages) {
          waiting.push(message);
          arrived?.();
        }
      } finally {
        ended = true;
        arrived?.();
      }
    })();
    // Its failure (a lost connection) is thrown below, once what arrived is handled.
    reading.catch(() => undefined);
    while (waiting.length > 0 || !ended) {
      if (waiting.length === 0) {
        await new Promise<void>((resolve) => (arrived = resolve));
        arrived = undefined;
        continue;
      }
      await this.handle(waiting.splice(0, MAX_BATCH));
    }
    await reading;
  }

  private async handle(batch: JsMsg[]): Promise<void> {
    // Lag as the server counted it when it sent the newest message of the batch.
    this.pending.set(batch[batch.length - 1].info.pending);
    for (const message of batch) if (message.redelivered) this.redeliveries.inc();
    const stored: JsMsg[] = [];
    const payloads: unknown[] = [];
    for (const message of batch) {
      try {
        payloads.push(message.json());
        stored.push(message);
      } catch {
        this.logger.warn(`audit stream message ${message.seq} is not JSON; dropped`);
        // No reason argument: NATS servers before 2.11 ignore a `+TERM <reason>` acknowledgement.
        message.term();
      }
    }
    if (stored.length === 0) return;
    try {
      const outcomes = await this.ingest.ingestMany(payloads);
      for (const [index, outcome] of outcomes.entries()) {
        const message = stored[index];
        if (outcome instanceof InvalidRequest) {
          this.logger.warn(`audit stream message ${message.seq} refused: ${outcome.description}`);
          message.term();
        } else {
          message.ack();
        }
      }
      if (this.storeFailing) this.logger.log('audit events are being stored again');
      this.storeFailing = false;
    } catch (err) {
      if (!(err instanceof TemporarilyUnavailable)) {
        await this.isolatePoison(stored, err);
        return;
      }
      const seqs = `${stored[0].seq}${stored.length > 1 ? `..${stored[stored.length - 1].seq}` : ''}`;
      const line = `audit stream messages ${seqs} not stored, redelivered in ${this.settings.retryDelayMs} ms: ${describe(err)}`;
      if (this.storeFailing) this.logger.debug(line);
      else this.logger.warn(line);
      this.storeFailing = true;
      for (const message of stored) message.nak(this.settings.retryDelayMs);
      // The database is down or failing: pause rather than fail every buffered message at once.
      await this.sleep(this.settings.retryDelayMs);
    }
  }

  /**
   * A batch failed for a reason other than an outage: one of its events may be one the database
   * can never take. Each is tried alone, so the others are stored; one that still fails is
   * redelivered until its deliveries reach `maxDeliveries`, then moved to the dead-letter
   * subject (and terminated here) instead of blocking the stream forever.
   */
  private async isolatePoison(batch: JsMsg[], err: unknown): Promise<void> {
    if (batch.length > 1) {
      for (const message of batch) await this.handle([message]);
      return;
    }
    const [message] = batch;
    if (message.info.deliveryCount < this.settings.maxDeliveries) {
      this.logger.warn(
        `audit stream message ${message.seq} not stored (delivery ${message.info.deliveryCount} of ${this.settings.maxDeliveries}), redelivered in ${this.settings.retryDelayMs} ms: ${describe(err)}`,
      );
      message.nak(this.settings.retryDelayMs);
      return;
    }
    try {
      await this.deadLetter(message, err);
    } catch (publishErr) {
      this.logger.warn(
        `audit stream message ${message.seq} not moved to the dead-letter subject, redelivered: ${describe(publishErr)}`,
      );
      message.nak(this.settings.retryDelayMs);
      return;
    }
    this.deadLetters.inc();
    this.logger.error(
      `audit stream message ${message.seq} could not be stored after ${message.info.deliveryCount} deliveries; moved to ${auditDeadLetterSubject(this.settings.subjectPrefix)}: ${describe(err)}`,
    );
    message.term();
  }

  /** The message as received, with where it came from and why it failed in headers. */
  private async deadLetter(message: JsMsg, err: unknown): Promise<void> {
    const nc = await this.connect();
    const h = natsHeaders();
    h.set('Latchkey-Stream', this.settings.streamName);
    h.set('Latchkey-Stream-Seq', String(message.seq));
    h.set('Latchkey-Subject', message.subject);
    h.set('Latchkey-Deliveries', String(message.info.deliveryCount));
    h.set(
      'Latchkey-Error',
      describe(err)
        .replace(/[\r\n]+/g, ' ')
        .slice(0, 200),
    );
    await jetstream(nc).publish(auditDeadLetterSubject(this.settings.subjectPrefix), message.data, {
      headers: h,
      // A retried move after a lost PubAck is stored once.
      msgID: `${this.settings.streamName}-${message.seq}`,
      expect: { streamName: this.settings.deadLetterStreamName },
    });
  }

  private async connect(): Promise<NatsConnection> {
    if (this.connection && !this.connection.isClosed()) return this.connection;
    const connection = await connect({
      ...natsConnectionOptions({
        natsUrl: this.settings.natsUrl,
        name: this.settings.connectionName,
        auth: this.settings.natsAuth,
      }),
      // A server that is down fails this attempt; run() retries with backoff and stays stoppable.
      waitOnFirstConnect: false,
    });
    this.connection = connection;
    return connection;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleep = done;
    });
  }
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
