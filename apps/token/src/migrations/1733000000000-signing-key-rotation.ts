import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signing-key rotation: a new key is first inserted as `next` (published in the JWKS, not signing)
 * and becomes `active` at `activate_at`, one JWKS cache lifetime later, so that no verifier meets
 * a token signed with a key it has not fetched yet. One `next` key per algorithm, like one active.
 */
export class SigningKeyRotation1733000000000 implements MigrationInterface {
  name = 'SigningKeyRotation1733000000000';

  async up(q: QueryRunner): Promise<void> {
    // The inline CHECK of the first migration got Postgres's default name.
    await q.query(
      `ALTER TABLE "token"."signing_keys" DROP CONSTRAINT IF EXISTS "signing_keys_status_check"`,
    );
    await q.query(
      `ALTER TABLE "token"."signing_keys" ADD CONSTRAINT "signing_keys_status_check"
         CHECK ("status" IN ('next', 'active', 'retired'))`,
    );
    // When a `next` key becomes (or an `active` one became) the signing key; null for keys
    // created active, whose created_at says it.
    await q.query(`ALTER TABLE "token"."signing_keys" ADD COLUMN "activate_at" timestamptz`);
    await q.query(
      `CREATE UNIQUE INDEX "signing_keys_one_next_per_alg" ON "token"."signing_keys" ("alg") WHERE "status" = 'next'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "token"."signing_keys_one_next_per_alg"`);
    await q.query(`ALTER TABLE "token"."signing_keys" DROP COLUMN "activate_at"`);
    await q.query(`DELETE FROM "token"."signing_keys" WHERE "status" = 'next'`);
    await q.query(
      `ALTER TABLE "token"."signing_keys" DROP CONSTRAINT IF EXISTS "signing_keys_status_check"`,
    );
    await q.query(
      `ALTER TABLE "token"."signing_keys" ADD CONSTRAINT "signing_keys_status_check"
         CHECK ("status" IN ('active', 'retired'))`,
    );
  }
}
