import { Injectable } from '@nestjs/common';
import type { AuditCheckpoint } from '@latchkey/contracts';
import type { EntityManager } from 'typeorm';

interface RawCheckpoint {
  seq: string;
  hash: string;
  time: Date | string;
  kid: string;
  jws: string;
}

const COLUMNS = `"seq"::text AS "seq", "hash", "time", "kid", "jws"`;

/** `audit.checkpoints`: append-only, one per seq. */
@Injectable()
export class CheckpointsRepository {
  /** Stores it unless another replica already signed this seq. */
  async insert(em: EntityManager, checkpoint: AuditCheckpoint): Promise<void> {
    await em.query(
      `INSERT INTO "audit"."checkpoints" ("seq", "hash", "time", "kid", "jws")
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT ("seq") DO NOTHING`,
      [checkpoint.seq, checkpoint.hash, checkpoint.time, checkpoint.kid, checkpoint.jws],
    );
  }

  async latest(em: EntityManager): Promise<AuditCheckpoint | undefined> {
    const rows: RawCheckpoint[] = await em.query(
      `SELECT ${COLUMNS} FROM "audit"."checkpoints" ORDER BY "seq" DESC LIMIT 1`,
    );
    return rows[0] ? toCheckpoint(rows[0]) : undefined;
  }

  async latestSeq(em: EntityManager): Promise<string | undefined> {
    const rows: { seq: string | null }[] = await em.query(
      `SELECT max("seq")::text AS "seq" FROM "audit"."checkpoints"`,
    );
    return rows[0]?.seq ?? undefined;
  }

  /** Oldest first, after `afterSeq`, up to `toSeq` when given. */
  async after(
    em: EntityManager,
    afterSeq: string,
    limit: number,
    toSeq?: string,
  ): Promise<AuditCheckpoint[]> {
    const rows: RawCheckpoint[] = await em.query(
      `SELECT ${COLUMNS} FROM "audit"."checkpoints"
        WHERE "seq" > $1::bigint AND ($2::bigint IS NULL OR "seq" <= $2::bigint)
        ORDER BY "seq" LIMIT $3`,
      [afterSeq, toSeq ?? null, limit],
    );
    return rows.map(toCheckpoint);
  }
}

function toCheckpoint(raw: RawCheckpoint): AuditCheckpoint {
  return {
    seq: Number(raw.seq),
    hash: raw.hash,
    time: new Date(raw.time).toISOString(),
    kid: raw.kid,
    jws: raw.jws,
  };
}
