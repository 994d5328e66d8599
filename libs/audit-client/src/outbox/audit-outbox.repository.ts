import type { AuditEvent } from '@latchkey/contracts';
import { assertSchemaName, quoteIdentifier } from '@latchkey/persistence';
import type { EntityManager } from 'typeorm';

/** One pending event as the relay sees it. */
export interface OutboxRow {
  id: string;
  /** Insertion order (bigint as a decimal string). */
  seq: string;
  event: AuditEvent;
  /** Failed deliveries so far. */
  attempts: number;
}

interface RawOutboxRow {
  id: string;
  seq: string | number | bigint;
  event: AuditEvent | string;
  attempts: number | string;
}

/**
 * `<schema>.audit_outbox`. Every method takes the EntityManager to run on: the caller's
 * transaction for a write that must commit with a change, the data source's own otherwise.
 */
export class AuditOutboxRepository {
  private readonly table: string;

  constructor(schema: string) {
    assertSchemaName(schema);
    this.table = `${quoteIdentifier(schema)}."audit_outbox"`;
  }

  async insert(manager: EntityManager, event: AuditEvent): Promise<void> {
    await manager.query(`INSERT INTO ${this.table} ("id", "event") VALUES ($1, $2::jsonb)`, [
      event.id,
      JSON.stringify(event),
    ]);
  }

  /** Several events in one statement (their seqs follow the order given). */
  async insertMany(manager: EntityManager, events: AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    const values = events.map((_, i) => `($${2 * i + 1}, $${2 * i + 2}::jsonb)`).join(', ');
    await manager.query(
      `INSERT INTO ${this.table} ("id", "event") VALUES ${values}`,
      events.flatMap((event) => [event.id, JSON.stringify(event)]),
    );
  }

  /**
   * Takes up to `limit` due rows, oldest first, and leases them for `leaseMs` (another relay of
   * the same service skips them meanwhile; a relay that dies lets the lease run out and the rows
   * are delivered again). SKIP LOCKED keeps replicas from waiting on each other.
   */
  async claimDue(manager: EntityManager, limit: number, leaseMs: number): Promise<OutboxRow[]> {
    // The CTE makes the statement a SELECT, whose rows TypeORM returns as they are.
    const rows: RawOutboxRow[] = await manager.query(
      `WITH claimed AS (
         UPDATE ${this.table}
            SET "next_attempt_at" = now() + make_interval(secs => $2::double precision)
          WHERE "id" IN (
            SELECT "id" FROM ${this.table}
             WHERE "next_attempt_at" <= now()
             ORDER BY "seq"
             LIMIT $1
             FOR UPDATE SKIP LOCKED)
         RETURNING "id", "seq", "event", "attempts")
       SELECT * FROM claimed`,
      [limit, leaseMs / 1000],
    );
    return rows.map(toOutboxRow).sort((a, b) => compareSeq(a.seq, b.seq));
  }

  /** How many events wait for delivery, and how old the oldest is (seconds, 0 when none). */
  async backlog(manager: EntityManager): Promise<{ count: number; oldestAgeSeconds: number }> {
    const [row] = (await manager.query(
      `SELECT count(*) AS "count",
              COALESCE(EXTRACT(EPOCH FROM now() - min("created_at")), 0) AS "age"
         FROM ${this.table}`,
    )) as Array<{ count: string | number; age: string | number }>;
    return { count: Number(row?.count ?? 0), oldestAgeSeconds: Number(row?.age ?? 0) };
  }

  /** Delivered: the rows go (only now, after the target acknowledged them). */
  async deleteMany(manager: EntityManager, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await manager.query(`DELETE FROM ${this.table} WHERE "id" = ANY($1::uuid[])`, [ids]);
  }

  /** Counts a failed delivery and makes the row due again after `delayMs` (0: at once). */
  async retryLater(manager: EntityManager, id: string, delayMs: number): Promise<void> {
    await manager.query(
      `UPDATE ${this.table}
          SET "attempts" = "attempts" + 1,
              "next_attempt_at" = now() + make_interval(secs => $2::double precision)
        WHERE "id" = $1`,
      [id, delayMs / 1000],
    );
  }

  /** Gives leased rows back untouched (the relay stopped before trying them). */
  async release(manager: EntityManager, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await manager.query(
      `UPDATE ${this.table} SET "next_attempt_at" = now() WHERE "id" = ANY($1::uuid[])`,
      [ids],
    );
  }

  async count(manager: EntityManager): Promise<number> {
    const [row] = (await manager.query(`SELECT count(*)::int AS n FROM ${this.table}`)) as {
      n: number;
    }[];
    return Number(row?.n ?? 0);
  }
}

function toOutboxRow(raw: RawOutboxRow): OutboxRow {
  return {
    id: raw.id,
    seq: String(raw.seq),
    event: typeof raw.event === 'string' ? (JSON.parse(raw.event) as AuditEvent) : raw.event,
    attempts: Number(raw.attempts),
  };
}

function compareSeq(a: string, b: string): number {
  const diff = BigInt(a) - BigInt(b);
  return diff < 0n ? -1 : diff > 0n ? 1 : 0;
}
