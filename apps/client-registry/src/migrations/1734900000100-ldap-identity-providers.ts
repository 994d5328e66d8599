import { MigrationInterface, QueryRunner } from 'typeorm';

/** LDAP directories as identity providers (docs/identity-providers.md): no client id, settings. */
export class LdapIdentityProviders1734900000100 implements MigrationInterface {
  name = 'LdapIdentityProviders1734900000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE "client_registry"."identity_providers"
        DROP CONSTRAINT "identity_providers_kind_check",
        ADD CONSTRAINT "identity_providers_kind_check" CHECK ("kind" IN ('oidc', 'oauth2', 'ldap')),
        ALTER COLUMN "client_id" DROP NOT NULL,
        ADD COLUMN "ldap" jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM "client_registry"."identity_providers" WHERE "kind" = 'ldap'`);
    await q.query(`
      ALTER TABLE "client_registry"."identity_providers"
        DROP COLUMN "ldap",
        ALTER COLUMN "client_id" SET NOT NULL,
        DROP CONSTRAINT "identity_providers_kind_check",
        ADD CONSTRAINT "identity_providers_kind_check" CHECK ("kind" IN ('oidc', 'oauth2'))`);
  }
}
