import type { NatsAuth } from '@latchkey/config';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { type AuditEvent, auditSubject } from '@latchkey/contracts';
import { natsConnectionOptions } from '@latchkey/transport';
import { AuditPublishError, type AuditPublisher, describeError } from './audit-publisher';

export interface JetStreamPublisherSettings {
  natsUrl: string;
  /** Connection name shown by the NATS server (`<service>-audit`). */
  name: string;
  auth?: NatsAuth;
  streamName: string;
  subjectPrefix: string;
  timeoutMs: number;
}

/**
 * Distributed mode: publishes each event to the audit stream on `audit.<type>` with the event id
 * as `Nats-Msg-Id`, so JetStream drops a copy published again within its duplicate window (a
 * relay that died between the ack and the delete). Resolves on the stream's PubAck.
 *
 * Its own connection, opened on first use; a server that is down fails the publish at once (the
 * relay backs off) instead of holding it, and a lost connection reconnects by itself.
 */
export class JetStreamAuditPublisher implements AuditPublisher {
  private connection?: Promise<{ nc: NatsConnection; js: JetStreamClient }>;
  private closed = false;

  constructor(private readonly settings: JetStreamPublisherSettings) {}

  async publish(event: AuditEvent): Promise<void> {
    if (this.closed) throw new AuditPublishError('publisher is closed', true);
    let js: JetStreamClient;
    try {
      ({ js } = await this.connect());
    } catch (err) {
      throw new AuditPublishError(`NATS unreachable: ${describeError(err)}`, true, { cause: err });
    }
    try {
      await js.publish(
        auditSubject(event.type, this.settings.subjectPrefix),
        JSON.stringify(event),
        {
          msgID: event.id,
          // Only the audit stream may take it: anything else capturing the subject is a misconfiguration.
          expect: { streamName: this.settings.streamName },
          timeout: this.settings.timeoutMs,
        },
      );
    } catch (err) {
      // No stream yet (audit service not started), a timeout, a reconnect: all worth retrying.
      throw new AuditPublishError(describeError(err), true, { cause: err });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = this.connection;
    this.connection = undefined;
    if (!pending) return;
    try {
      const { nc } = await pending;
      await nc.close();
    } catch {
      // Never connected, or already closed.
    }
  }

  private connect(): Promise<{ nc: NatsConnection; js: JetStreamClient }> {
    if (this.connection) return this.connection;
    const attempt = connect({
      ...natsConnectionOptions({
        natsUrl: this.settings.natsUrl,
        name: this.settings.name,
        auth: this.settings.auth,
      }),
      waitOnFirstConnect: false,
      timeout: this.settings.timeoutMs,
    }).then((nc) => {
      // closed() resolves (with the error, if any) and never rejects.
      void nc.closed().then(() => {
        if (this.connection === attempt) this.connection = undefined;
      });
      return { nc, js: jetstream(nc, { timeout: this.settings.timeoutMs }) };
    });
    this.connection = attempt;
    attempt.catch(() => {
      // Try again on the next publish.
      if (this.connection === attempt) this.connection = undefined;
    });
    return attempt;
  }
}
