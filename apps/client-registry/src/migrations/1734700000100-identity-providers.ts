import { MigrationInterface, QueryRunner } from 'typeorm';

/** Upstream identity providers (docs/identity-providers.md); the client secret is sealed. */
export class IdentityProviders1734700000100 implements MigrationInterface {
  name = 'IdentityProviders1734700000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "client_registry"."identity_providers" (
        "id" text PRIMARY KEY,
        "seq" bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        "kind" text NOT NULL CHECK ("kind" IN ('oidc', 'oauth2')),
        "display_name" text NOT NULL,
        "enabled" boolean NOT NULL,
        "client_ids" jsonb,
        "domains" jsonb NOT NULL,
        "issuer" text,
        "authorization_endpoint" text,
        "token_endpoint" text,
        "userinfo_endpoint" text,
        "jwks_uri" text,
        "client_id" text NOT NULL,
        "client_auth_method" text NOT NULL,
        "client_secret_sealed" text,
        "scopes" jsonb NOT NULL,
        "subject_claim" text NOT NULL,
        "claim_mapping" jsonb NOT NULL,
        "use_userinfo" boolean NOT NULL,
        "link_by_verified_email" boolean NOT NULL,
        "created_at" timestamptz NOT NULL,
        "updated_at" timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "client_registry"."identity_providers"`);
  }
}
