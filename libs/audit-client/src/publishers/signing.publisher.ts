import { type AuditEvent, type AuditSigningKey, signAuditEvent } from '@latchkey/contracts';
import type { AuditPublisher } from './audit-publisher';

/**
 * Signs every event with the service's key just before delivery (docs/audit-consumers.md), so
 * the audit service can tell the service's events from anything else published on the stream.
 * Signing at delivery rather than in the outbox lets a replaced key sign what is still waiting.
 */
export class SigningAuditPublisher implements AuditPublisher {
  constructor(
    private readonly inner: AuditPublisher,
    private readonly key: AuditSigningKey,
  ) {}

  publish(event: AuditEvent): Promise<void> {
    return this.inner.publish(signAuditEvent(event, this.key));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
