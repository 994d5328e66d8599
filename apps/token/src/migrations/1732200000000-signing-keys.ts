import { MigrationInterface, QueryRunner } from 'typeorm';

export class SigningKeys1732200000000 implements MigrationInterface {
  name = 'SigningKeys1732200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "token"."signing_keys" (
        "kid" text PRIMARY KEY,
        "alg" text NOT NULL,
        "status" text NOT NULL CHECK ("status" IN ('active', 'retired')),
        "public_jwk" jsonb NOT NULL,
        "private_jwk_sealed" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "publish_until" timestamptz
      )`);
    // All replicas must agree on one active key per algorithm.
    await q.query(
      `CREATE UNIQUE INDEX "signing_keys_one_active_per_alg" ON "token"."signing_keys" ("alg") WHERE "status" = 'active'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "token"."signing_keys"`);
  }
}
