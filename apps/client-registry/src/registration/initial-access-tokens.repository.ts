import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { InitialAccessTokenEntity } from './initial-access-token.entity';
import type { StoredRegistrationPolicy } from './registration-rules';

@Injectable()
export class InitialAccessTokensRepository {
  async insert(em: EntityManager, token: InitialAccessTokenEntity): Promise<void> {
    await em.getRepository(InitialAccessTokenEntity).insert(token);
  }

  /**
   * Counts one use of the token if it is live and not used up, in one statement: concurrent
   * registrations queue on the row lock and each re-checks `uses < max_uses`, so a token is never
   * used more often than allowed. Answers the token's registration policy, or null when it did
   * not count (unknown, expired, used up).
   */
  async consume(
    em: EntityManager,
    tokenHash: string,
    now: Date,
  ): Promise<StoredRegistrationPolicy | null> {
    const result: unknown = await em.query(
      `UPDATE "initial_access_tokens" SET "uses" = "uses" + 1
        WHERE "token_hash" = $1 AND "expires_at" > $2 AND "uses" < "max_uses"
        RETURNING "scope", "grant_types", "default_resource"`,
      [tokenHash, now],
    );
    // TypeORM answers an UPDATE ... RETURNING with [rows, affected count].
    const rows = Array.isArray(result) && Array.isArray(result[0]) ? result[0] : [];
    return (rows[0] as StoredRegistrationPolicy | undefined) ?? null;
  }

  /** Forgets tokens that can no longer register anything. */
  async prune(em: EntityManager, now: Date): Promise<void> {
    await em.query(
      `DELETE FROM "initial_access_tokens" WHERE "expires_at" <= $1 OR "uses" >= "max_uses"`,
      [now],
    );
  }
}
