import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What each API scope of a resource means, in the user's words, for the consent page: a JSON
 * object from scope to description. Scopes without one are shown by name.
 */
export class ResourceScopeDescriptions1734100000000 implements MigrationInterface {
  name = 'ResourceScopeDescriptions1734100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE "client_registry"."resources"
        ADD COLUMN "scope_descriptions" jsonb NOT NULL DEFAULT '{}'::jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "client_registry"."resources" DROP COLUMN "scope_descriptions"`);
  }
}
