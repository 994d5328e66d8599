import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The roles an API resource defines, and claim scopes: scopes that release claims read from user
 * attributes (docs/architecture.md §7).
 */
export class RolesAndClaimScopes1734200000200 implements MigrationInterface {
  name = 'RolesAndClaimScopes1734200000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE "client_registry"."resources"
        ADD COLUMN "roles" jsonb NOT NULL DEFAULT '[]'::jsonb`);
    await q.query(`
      CREATE TABLE "client_registry"."claim_scopes" (
        "name" text PRIMARY KEY,
        "seq" bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        "description" text,
        "claims" jsonb NOT NULL,
        "public" boolean NOT NULL DEFAULT false,
        "created_at" timestamptz NOT NULL,
        "updated_at" timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "client_registry"."claim_scopes"`);
    await q.query(`ALTER TABLE "client_registry"."resources" DROP COLUMN "roles"`);
  }
}
