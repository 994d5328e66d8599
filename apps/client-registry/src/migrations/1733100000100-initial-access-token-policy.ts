import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a client registered with an initial access token may ask for (scope, grant types,
 * default_resource), set by the admin who issues the token. NULL: the default policy (the
 * OpenID Connect scopes, authorization_code and refresh_token, no default_resource).
 */
export class InitialAccessTokenPolicy1733100000100 implements MigrationInterface {
  name = 'InitialAccessTokenPolicy1733100000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE "client_registry"."initial_access_tokens"
        ADD COLUMN "scope" text,
        ADD COLUMN "grant_types" jsonb,
        ADD COLUMN "default_resource" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE "client_registry"."initial_access_tokens"
        DROP COLUMN "scope", DROP COLUMN "grant_types", DROP COLUMN "default_resource"`);
  }
}
