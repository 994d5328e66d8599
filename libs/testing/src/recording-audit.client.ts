import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { AuditEvent, AuditEventType } from '@latchkey/contracts';
import { AuditClient, buildAuditEvent, type AuditRecordInput } from '@latchkey/audit-client';

/**
 * An AuditClient for unit tests: builds each event exactly as the real client does (same
 * sanitising) and keeps it in memory. `fail` makes the next calls reject, as an unreachable
 * database would.
 */
export class RecordingAuditClient extends AuditClient {
  readonly events: AuditEvent[] = [];
  fail?: Error;

  constructor(
    private readonly service = 'test',
    private readonly issuer = 'https://id.example.test',
  ) {
    super();
  }

  async record(type: AuditEventType, input: AuditRecordInput): Promise<AuditEvent> {
    if (this.fail) throw this.fail;
    const { event } = buildAuditEvent({
      issuer: this.issuer,
      service: this.service,
      type,
      ...input,
    });
    this.events.push(event);
    return event;
  }

  recordInTransaction(
    _manager: unknown,
    type: AuditEventType,
    input: AuditRecordInput,
  ): Promise<AuditEvent> {
    return this.record(type, input);
  }

  ofType(type: AuditEventType): AuditEvent[] {
    return this.events.filter((event) => event.type === type);
  }
}

/** Provides a RecordingAuditClient as the AuditClient, for modules under test without an outbox. */
@Global()
@Module({})
export class RecordingAuditModule {
  static with(client: RecordingAuditClient = new RecordingAuditClient()): DynamicModule {
    return {
      module: RecordingAuditModule,
      providers: [{ provide: AuditClient, useValue: client }],
      exports: [AuditClient],
    };
  }
}
