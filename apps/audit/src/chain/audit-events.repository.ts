import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { AuditEvent } from '@latchkey/contracts';
import type { EntityManager } from 'typeorm';

/** One row of `audit.events` as the chain and the query API read it. */
export interface AuditEventRow {
  /** bigint as a decimal string. */
  seq: string;
  id: string;
  event: AuditEvent;
  prev_hash: string;
  hash: string;
}

export interface NewAuditEventRow {
  event: AuditEvent;
  prevHash: string;
  hash: string;
}

/** Filters of the query API, already checked. */
export interface AuditEventFilter {
  type?: string;
  subject?: string;
  clientId?: string;
  sub?: string;
  since?: Date;
  until?: Date;
  /** Only rows older than this seq (the cursor). */
  beforeSeq?: string;
}

/** Filters of the export and the live tail, already checked: rows after `afterSeq`, oldest first. */
export interface AuditChainFilter {
  afterSeq: string;
  type?: string;
  subject?: string;
  clientId?: string;
}

interface RawRow {
  seq: string | number | bigint;
  id: string;
  event: AuditEvent | string;
  prev_hash: string;
  hash: string;
}

/**
 * A stable signed 64-bit advisory-lock key for appending to the chain: every replica of the audit
 * service takes it, so appends (read the last hash, insert the next row) happen one at a time.
 */
export const CHAIN_LOCK_KEY = createHash('sha256')
  .update('latchkey:audit:chain')
  .digest()
  .readBigInt64BE(0)
  .toString();

const COLUMNS = `"seq", "id", "event", "prev_hash", "hash"`;

/** `audit.events`: the append-only, hash-chained log. Inserts and reads only. */
@Injectable()
export class AuditEventsRepository {
  /** Held until the transaction ends; on PGlite the single connection serialises anyway. */
  async lockChain(em: EntityManager): Promise<void> {
    await em.query(`SELECT pg_advisory_xact_lock($1::bigint)`, [CHAIN_LOCK_KEY]);
  }

  /** Seqs of the ids already stored, by lower-cased id. */
  async findSeqsByIds(em: EntityManager, ids: string[]): Promise<Map<string, string>> {
    const rows: { id: string; seq: string }[] = await em.query(
      `SELECT "id", "seq" FROM "audit"."events" WHERE "id" = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id.toLowerCase(), String(row.seq)]));
  }

  async lastHash(em: EntityManager): Promise<string | undefined> {
    const rows: { hash: string }[] = await em.query(
      `SELECT "hash" FROM "audit"."events" ORDER BY "seq" DESC LIMIT 1`,
    );
    return rows[0]?.hash;
  }

  /** The hash of the newest row before `seq` (what the row at `seq` must chain to). */
  async hashBefore(em: EntityManager, seq: string): Promise<string | undefined> {
    const rows: { hash: string }[] = await em.query(
      `SELECT "hash" FROM "audit"."events" WHERE "seq" < $1::bigint ORDER BY "seq" DESC LIMIT 1`,
      [seq],
    );
    return rows[0]?.hash;
  }

  /** The newest row's seq and hash: what a checkpoint signs. */
  async head(em: EntityManager): Promise<{ seq: string; hash: string } | undefined> {
    const rows: { seq: string; hash: string }[] = await em.query(
      `SELECT "seq"::text AS "seq", "hash" FROM "audit"."events" ORDER BY "seq" DESC LIMIT 1`,
    );
    return rows[0];
  }

  /** The hash stored at each of these seqs (absent: no such row). */
  async hashesAt(em: EntityManager, seqs: string[]): Promise<Map<string, string>> {
    const rows: { seq: string; hash: string }[] = await em.query(
      `SELECT "seq"::text AS "seq", "hash" FROM "audit"."events" WHERE "seq" = ANY($1::bigint[])`,
      [seqs],
    );
    return new Map(rows.map((row) => [row.seq, row.hash]));
  }

  async maxSeq(em: EntityManager): Promise<string | undefined> {
    const rows: { seq: string | null }[] = await em.query(
      `SELECT max("seq") AS "seq" FROM "audit"."events"`,
    );
    return rows[0]?.seq == null ? undefined : String(rows[0].seq);
  }

  async insert(em: EntityManager, row: NewAuditEventRow): Promise<string> {
    const { event } = row;
    const rows: { seq: string }[] = await em.query(
      `INSERT INTO "audit"."events"
         ("id", "type", "source", "subject", "time", "client_id", "sub", "event", "prev_hash", "hash")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10)
       RETURNING "seq"`,
      [
        event.id,
        event.type,
        event.source,
        event.subject ?? null,
        event.time,
        stringOrNull(event.data.client_id),
        stringOrNull(event.data.sub),
        JSON.stringify(event),
        row.prevHash,
        row.hash,
      ],
    );
    return String(rows[0].seq);
  }

  /** Rows after `afterSeq` up to `toSeq`, oldest first: the chain walk of verify. */
  async range(
    em: EntityManager,
    afterSeq: string,
    toSeq: string,
    limit: number,
  ): Promise<AuditEventRow[]> {
    const rows: RawRow[] = await em.query(
      `SELECT ${COLUMNS} FROM "audit"."events"
        WHERE "seq" > $1::bigint AND "seq" <= $2::bigint
        ORDER BY "seq" LIMIT $3`,
      [afterSeq, toSeq, limit],
    );
    return rows.map(toRow);
  }

  /**
   * Oldest first, `limit` rows after `afterSeq` matching every given filter (export, live tail).
   * Appends commit in seq order (one at a time under the chain lock), so a reader that goes on
   * from the last seq it saw never skips a row committed later.
   */
  async after(
    em: EntityManager,
    filter: AuditChainFilter,
    limit: number,
  ): Promise<AuditEventRow[]> {
    const params: unknown[] = [filter.afterSeq];
    const conditions = [`"seq" > $1::bigint`];
    const where = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      params.push(value);
      conditions.push(`"${column}" = $${params.length}`);
    };
    where('type', filter.type);
    where('subject', filter.subject);
    where('client_id', filter.clientId);
    params.push(limit);
    const rows: RawRow[] = await em.query(
      `SELECT ${COLUMNS} FROM "audit"."events" WHERE ${conditions.join(' AND ')}
        ORDER BY "seq" LIMIT $${params.length}`,
      params,
    );
    return rows.map(toRow);
  }

  /** Newest first, `limit` rows matching every given filter. */
  async page(em: EntityManager, filter: AuditEventFilter, limit: number): Promise<AuditEventRow[]> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const where = (sql: (param: string) => string, value: unknown) => {
      params.push(value);
      conditions.push(sql(`$${params.length}`));
    };
    if (filter.type !== undefined) where((p) => `"type" = ${p}`, filter.type);
    if (filter.subject !== undefined) where((p) => `"subject" = ${p}`, filter.subject);
    if (filter.clientId !== undefined) where((p) => `"client_id" = ${p}`, filter.clientId);
    if (filter.sub !== undefined) where((p) => `"sub" = ${p}`, filter.sub);
    if (filter.since !== undefined) where((p) => `"time" >= ${p}`, filter.since.toISOString());
    if (filter.until !== undefined) where((p) => `"time" < ${p}`, filter.until.toISOString());
    if (filter.beforeSeq !== undefined) where((p) => `"seq" < ${p}::bigint`, filter.beforeSeq);
    params.push(limit);
    const rows: RawRow[] = await em.query(
      `SELECT ${COLUMNS} FROM "audit"."events"
        ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
        ORDER BY "seq" DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toRow);
  }
}

function toRow(raw: RawRow): AuditEventRow {
  return {
    seq: String(raw.seq),
    id: raw.id,
    event: typeof raw.event === 'string' ? (JSON.parse(raw.event) as AuditEvent) : raw.event,
    prev_hash: raw.prev_hash,
    hash: raw.hash,
  };
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
