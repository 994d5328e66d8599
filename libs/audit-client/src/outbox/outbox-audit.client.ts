import { Logger } from '@nestjs/common';
import type { AuditEvent, AuditEventType } from '@latchkey/contracts';
import { RequestContext } from '@latchkey/transport';
import type {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import { buildAuditEvent, type AuditRecordInput } from '../audit-event.builder';
import { AuditClient } from '../audit.client';
import type { AuditOutboxRepository } from './audit-outbox.repository';
import type { OutboxRelay } from './outbox.relay';

/**
 * The AuditClient of a service: builds the CloudEvent, writes it to the service's outbox (alone
 * or in the caller's transaction) and wakes the relay once the row is visible.
 */
export class OutboxAuditClient extends AuditClient {
  private readonly logger = new Logger('AuditClient');
  private readonly commits = new CommitWaker(() => this.relay.wake());
  private readonly groupCommit = new GroupCommit((events) =>
    this.outbox.insertMany(this.dataSource.manager, events),
  );

  constructor(
    private readonly installation: { issuer: string; service: string },
    private readonly dataSource: DataSource,
    private readonly outbox: AuditOutboxRepository,
    private readonly relay: OutboxRelay,
    private readonly now: () => Date = () => new Date(),
  ) {
    super();
    this.commits.attach(dataSource);
  }

  /*
   * Fail closed, in both methods: a write that fails rejects, so the caller cannot go on as if the
   * event were recorded; an unreachable database rejects with its DATABASE_UNAVAILABLE code, which
   * the error filters answer with 503 (docs/architecture.md §3).
   */

  async record(type: AuditEventType, input: AuditRecordInput): Promise<AuditEvent> {
    const event = this.build(type, input);
    await this.groupCommit.write(event);
    this.relay.wake();
    return event;
  }

  async recordInTransaction(
    manager: EntityManager,
    type: AuditEventType,
    input: AuditRecordInput,
  ): Promise<AuditEvent> {
    const event = this.build(type, input);
    await this.outbox.insert(manager, event);
    const runner = manager.queryRunner;
    // Until the caller commits, the relay could not see the row: wake it on the commit.
    if (runner?.isTransactionActive) this.commits.wakeAfterCommit(runner);
    else this.relay.wake();
    return event;
  }

  private build(type: AuditEventType, input: AuditRecordInput): AuditEvent {
    const caller = RequestContext.caller();
    const { event, removed } = buildAuditEvent({
      ...this.installation,
      type,
      subject: input.subject,
      data: input.data,
      actor: input.actor,
      time: this.now(),
      requestId: RequestContext.requestId(),
      context: { actor: RequestContext.actor(), ip: caller?.ip, userAgent: caller?.userAgent },
    });
    if (removed.length > 0) {
      // Key paths only: the values are what must not be written anywhere.
      this.logger.warn(
        `audit event ${type}: removed data keys that may hold credentials: ${removed.join(', ')}`,
      );
    }
    return event;
  }
}

/**
 * Events recorded on their own (no caller transaction) go in at once while fewer than
 * MAX_IN_FLIGHT inserts are under way; beyond that they wait for the next free one and go in
 * together, in one statement: fewer statements and commits for many concurrent token responses
 * (docs/architecture.md §6) without queueing them behind one commit at a time. Each caller returns
 * only once its row is committed, and every caller of a failed insert gets its error.
 */
class GroupCommit {
  private readonly waiting: Array<{ event: AuditEvent; done: (err?: unknown) => void }> = [];
  private inFlight = 0;

  constructor(private readonly insert: (events: AuditEvent[]) => Promise<void>) {}

  write(event: AuditEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ event, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (this.inFlight < MAX_IN_FLIGHT) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.inFlight += 1;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, MAX_GROUP);
      let failure: unknown;
      try {
        await this.insert(batch.map((w) => w.event));
      } catch (err) {
        failure = err ?? new Error('audit outbox insert failed');
      }
      for (const w of batch) w.done(failure);
    }
    this.inFlight -= 1;
  }
}

/** Inserts under way at once (Postgres shares the WAL flush of concurrent commits). */
const MAX_IN_FLIGHT = 4;
/** Most events inserted by one statement. */
const MAX_GROUP = 200;

/**
 * Wakes the relay when a transaction that wrote audit rows commits (TypeORM broadcasts commits
 * to the data source's subscribers), and forgets it on rollback.
 */
class CommitWaker implements EntitySubscriberInterface {
  private readonly pending = new WeakSet<QueryRunner>();

  constructor(private readonly wake: () => void) {}

  attach(dataSource: DataSource): void {
    if (!dataSource.subscribers.includes(this)) dataSource.subscribers.push(this);
  }

  wakeAfterCommit(runner: QueryRunner): void {
    this.pending.add(runner);
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    // Nested transactions (savepoints) broadcast too; only the outermost commit makes rows visible.
    if (event.queryRunner.isTransactionActive || !this.pending.has(event.queryRunner)) return;
    this.pending.delete(event.queryRunner);
    this.wake();
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) this.pending.delete(event.queryRunner);
  }
}
