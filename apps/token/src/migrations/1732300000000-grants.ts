import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Grants (one user's authorization of one client, from one code redemption) and their refresh
 * tokens. A grant's `revoked_at` is the source of truth: its refresh tokens and the access tokens
 * that carry its id stop working the moment it is set.
 */
export class Grants1732300000000 implements MigrationInterface {
  name = 'Grants1732300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "token"."grants" (
        "id" uuid PRIMARY KEY,
        "client_id" text NOT NULL,
        "sub" text NOT NULL,
        "scope" text NOT NULL,
        "sid" text,
        "auth_time" timestamptz,
        "amr" jsonb,
        "acr" text,
        "resource" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "revoked_at" timestamptz,
        "revoked_reason" text
      )`);
    // revoke_user looks up a user's live grants.
    await q.query(
      `CREATE INDEX "grants_sub_live" ON "token"."grants" ("sub") WHERE "revoked_at" IS NULL`,
    );
    await q.query(`CREATE INDEX "grants_client_id" ON "token"."grants" ("client_id")`);
    await q.query(`
      CREATE TABLE "token"."refresh_tokens" (
        "hash" text PRIMARY KEY,
        "grant_id" uuid NOT NULL REFERENCES "token"."grants" ("id") ON DELETE CASCADE,
        "parent_hash" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NOT NULL,
        "idle_expires_at" timestamptz NOT NULL,
        "used_at" timestamptz,
        "revoked_at" timestamptz
      )`);
    await q.query(
      `CREATE INDEX "refresh_tokens_grant_id" ON "token"."refresh_tokens" ("grant_id")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "token"."refresh_tokens"`);
    await q.query(`DROP TABLE "token"."grants"`);
  }
}
