import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A user's groups, roles (global, and per API resource) and custom attributes
 * (docs/architecture.md §7). Small and read with the user, so JSON columns on the row rather than
 * join tables: a token's claims cost one row read.
 */
export class UserAuthorizationData1734200000100 implements MigrationInterface {
  name = 'UserAuthorizationData1734200000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE "gateway"."users"
        ADD COLUMN "groups" jsonb NOT NULL DEFAULT '[]'::jsonb,
        ADD COLUMN "roles" jsonb NOT NULL DEFAULT '[]'::jsonb,
        ADD COLUMN "resource_roles" jsonb NOT NULL DEFAULT '{}'::jsonb,
        ADD COLUMN "attributes" jsonb NOT NULL DEFAULT '{}'::jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE "gateway"."users"
        DROP COLUMN "groups", DROP COLUMN "roles", DROP COLUMN "resource_roles",
        DROP COLUMN "attributes"`);
  }
}
