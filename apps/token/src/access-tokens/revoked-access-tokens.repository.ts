import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

/** A revoked access token, remembered until `expiresAt`. */
export interface RevokedAccessTokenRow {
  jti: string;
  expiresAt: Date;
}

/** All SQL on `token.revoked_access_tokens`, the durable side of the access-token denylist. */
@Injectable()
export class RevokedAccessTokensRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Remembers the revocation; revoking again keeps the later expiry. */
  async insert(em: EntityManager, row: RevokedAccessTokenRow): Promise<void> {
    await em.query(
      `INSERT INTO "token"."revoked_access_tokens" ("jti", "expires_at") VALUES ($1, $2)
       ON CONFLICT ("jti") DO UPDATE
         SET "expires_at" = GREATEST("revoked_access_tokens"."expires_at", EXCLUDED."expires_at")`,
      [row.jti, row.expiresAt],
    );
  }

  /** Revocations still in force at `now`, `limit` at most, after the jti `after` (paging). */
  async findLive(now: Date, after: string, limit: number): Promise<RevokedAccessTokenRow[]> {
    const rows = await this.dataSource.query<{ jti: string; expires_at: Date }[]>(
      `SELECT "jti", "expires_at" FROM "token"."revoked_access_tokens"
        WHERE "expires_at" > $1 AND "jti" > $2 ORDER BY "jti" LIMIT $3`,
      [now, after, limit],
    );
    return rows.map((row) => ({ jti: row.jti, expiresAt: new Date(row.expires_at) }));
  }

  /** Forgets revocations whose tokens have expired. */
  async deleteExpired(now: Date): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM "token"."revoked_access_tokens" WHERE "expires_at" <= $1`,
      [now],
    );
  }
}
