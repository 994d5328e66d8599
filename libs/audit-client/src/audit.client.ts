import type { AuditEvent, AuditEventType } from '@latchkey/contracts';
import type { EntityManager } from 'typeorm';
import type { AuditRecordInput } from './audit-event.builder';

/**
 * Records audit events (docs/architecture.md §6). Inject this class; `AuditClientModule.forService` provides
 * the outbox implementation, and unit tests can use `RecordingAuditClient`.
 *
 * Both methods resolve once the event is durable in the service's own outbox table; delivery to
 * the audit service follows, at least once. They reject with TemporarilyUnavailable when the
 * database is unreachable, so a caller that must not act without its audit record fails closed.
 */
export abstract class AuditClient {
  /** Writes the event on its own (use after the change it describes has committed). */
  abstract record(type: AuditEventType, input: AuditRecordInput): Promise<AuditEvent>;

  /**
   * Writes the event with the caller's transaction (its EntityManager): the event exists if and
   * only if the change commits.
   */
  abstract recordInTransaction(
    manager: EntityManager,
    type: AuditEventType,
    input: AuditRecordInput,
  ): Promise<AuditEvent>;
}
