import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';

/** One logout token waiting for, or in, an attempt. */
export interface PendingDelivery {
  id: string;
  client_id: string;
  uri: string;
  logout_token: string;
  /** Attempts so far, this one included (a claim counts as an attempt). */
  attempts: number;
}

export interface NewDelivery {
  client_id: string;
  uri: string;
  logout_token: string;
}

const TABLE = '"gateway"."backchannel_deliveries"';

/**
 * The durable queue of back-channel logout deliveries (gateway schema). Every write that ends a
 * lease is conditional on still holding it (`lease_owner`), so a replica whose lease ran out
 * cannot finish a delivery another replica has taken over.
 */
@Injectable()
export class BackchannelDeliveriesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async enqueue(deliveries: readonly NewDelivery[], now: Date): Promise<void> {
    if (deliveries.length === 0) return;
    const values: unknown[] = [];
    const rows = deliveries.map((d, i) => {
      values.push(randomUUID(), d.client_id, d.uri, d.logout_token, now);
      const p = i * 5;
      return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 5})`;
    });
    await this.dataSource.query(
      `INSERT INTO ${TABLE} ("id", "client_id", "uri", "logout_token", "next_attempt_at", "created_at")
         VALUES ${rows.join(', ')}`,
      values,
    );
  }

  /**
   * Takes up to `limit` due deliveries for `owner` until `leaseUntil`, counting an attempt on
   * each. Rows another replica is claiming at this moment are skipped (SKIP LOCKED), and a row
   * under a live lease is not due, so no two replicas ever hold the same delivery.
   */
  async claim(
    owner: string,
    now: Date,
    leaseUntil: Date,
    limit: number,
  ): Promise<PendingDelivery[]> {
    const result: unknown = await this.dataSource.query(
      `UPDATE ${TABLE} SET "lease_owner" = $1, "lease_until" = $2, "attempts" = "attempts" + 1
          WHERE "id" IN (
            SELECT "id" FROM ${TABLE}
             WHERE "next_attempt_at" <= $3 AND ("lease_until" IS NULL OR "lease_until" <= $3)
             ORDER BY "next_attempt_at"
             LIMIT $4
             FOR UPDATE SKIP LOCKED)
          RETURNING "id", "client_id", "uri", "logout_token", "attempts"`,
      [owner, leaseUntil, now, limit],
    );
    return returnedRows<PendingDelivery>(result);
  }

  /** Delivered: gone. */
  async complete(id: string, owner: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM ${TABLE} WHERE "id" = $1 AND "lease_owner" = $2`, [
      id,
      owner,
    ]);
  }

  /** Another attempt at `nextAttemptAt`, by whichever replica claims it then. */
  async retryAt(id: string, owner: string, nextAttemptAt: Date, reason: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${TABLE} SET "next_attempt_at" = $3, "lease_owner" = NULL, "lease_until" = NULL,
                "last_error" = $4
          WHERE "id" = $1 AND "lease_owner" = $2`,
      [id, owner, nextAttemptAt, reason],
    );
  }

  /**
   * Abandoned: deleted, and `andThen` runs in the same transaction (the audit record), only when
   * this replica still held the delivery, so the abandonment is recorded exactly once.
   */
  async abandon(
    id: string,
    owner: string,
    andThen: (em: EntityManager) => Promise<unknown>,
  ): Promise<boolean> {
    return this.dataSource.transaction(async (em) => {
      const result: unknown = await em.query(
        `DELETE FROM ${TABLE} WHERE "id" = $1 AND "lease_owner" = $2 RETURNING "id"`,
        [id, owner],
      );
      if (returnedRows(result).length === 0) return false;
      await andThen(em);
      return true;
    });
  }

  /** How many deliveries wait (queued, leased or between attempts). */
  async count(): Promise<number> {
    const rows = (await this.dataSource.query(`SELECT count(*)::int AS "n" FROM ${TABLE}`)) as {
      n: number;
    }[];
    return rows[0]?.n ?? 0;
  }
}

/** TypeORM answers UPDATE/DELETE ... RETURNING with [rows, affected count] on Postgres. */
function returnedRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && Array.isArray(result[0])) return result[0] as T[];
  return Array.isArray(result) ? (result as T[]) : [];
}
