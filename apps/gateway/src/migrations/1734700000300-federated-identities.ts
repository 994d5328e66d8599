import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Users who sign in through an upstream identity provider (docs/identity-providers.md): a user
 * made on their first upstream sign-in has no password (NULL never verifies), and each upstream
 * identity (`iss`, `sub`) is linked to exactly one local user.
 */
export class FederatedIdentities1734700000300 implements MigrationInterface {
  name = 'FederatedIdentities1734700000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "gateway"."users" ALTER COLUMN "password_hash" DROP NOT NULL`);
    await q.query(`
      CREATE TABLE "gateway"."federated_identities" (
        "issuer" text NOT NULL,
        "subject" text NOT NULL,
        "provider_id" text NOT NULL,
        "user_id" text NOT NULL REFERENCES "gateway"."users" ("id") ON DELETE CASCADE,
        "groups" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL,
        "last_login_at" timestamptz NOT NULL,
        PRIMARY KEY ("issuer", "subject")
      )`);
    await q.query(
      `CREATE INDEX "federated_identities_user_id_idx" ON "gateway"."federated_identities" ("user_id")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "gateway"."federated_identities"`);
    await q.query(`ALTER TABLE "gateway"."users" ALTER COLUMN "password_hash" SET NOT NULL`);
  }
}
