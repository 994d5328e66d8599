import {
  type AuditEvent,
  type AuditIngestRequest,
  type AuditIngestResponse,
  AuditSubjects,
} from '@latchkey/contracts';
import { OAuthError, TemporarilyUnavailable } from '@latchkey/oauth';
import type { BusClient } from '@latchkey/transport';
import { AuditPublishError, type AuditPublisher, describeError } from './audit-publisher';

/**
 * Embedded mode (no NATS): hands each event to the audit service over the in-process bus; its
 * reply comes once the event is in the chain. TemporarilyUnavailable (nobody listening yet, a
 * deadline) is transient; any other OAuthError is the audit service refusing this event.
 */
export class BusAuditPublisher implements AuditPublisher {
  constructor(
    private readonly bus: BusClient,
    private readonly timeoutMs: number,
  ) {}

  async publish(event: AuditEvent): Promise<void> {
    try {
      await this.bus.request<AuditIngestResponse>(
        AuditSubjects.Ingest,
        event satisfies AuditIngestRequest,
        { timeoutMs: this.timeoutMs },
      );
    } catch (err) {
      const transient = !(err instanceof OAuthError) || err instanceof TemporarilyUnavailable;
      throw new AuditPublishError(describeError(err), transient, { cause: err });
    }
  }

  async close(): Promise<void> {
    // The bus belongs to the application, which closes it.
  }
}
