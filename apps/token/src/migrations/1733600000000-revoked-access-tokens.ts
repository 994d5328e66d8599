import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The durable record of revoked access tokens (docs/architecture.md §2.3): the key-value
 * entries readers check are a cache of these rows, rebuilt from them when the store loses them.
 * A row is pruned once its token has expired.
 */
export class RevokedAccessTokens1733600000000 implements MigrationInterface {
  name = 'RevokedAccessTokens1733600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "token"."revoked_access_tokens" (
        "jti" text PRIMARY KEY,
        "expires_at" timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX "revoked_access_tokens_expires_at" ON "token"."revoked_access_tokens" ("expires_at")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "token"."revoked_access_tokens"`);
  }
}
