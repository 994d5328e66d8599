import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Clients, their secret hashes, API resources and the tokens of dynamic registration.
 * `seq` columns give lists a stable insertion order for cursor pagination.
 */
export class ClientRegistry1732200000200 implements MigrationInterface {
  name = 'ClientRegistry1732200000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "client_registry"."resources" (
        "identifier" text PRIMARY KEY,
        "seq" bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        "name" text NOT NULL,
        "scopes" jsonb NOT NULL DEFAULT '[]',
        "access_token_lifetime" integer NOT NULL
          CHECK ("access_token_lifetime" BETWEEN 60 AND 86400),
        "created_at" timestamptz NOT NULL,
        "updated_at" timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE "client_registry"."clients" (
        "client_id" text PRIMARY KEY,
        "seq" bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        "metadata" jsonb NOT NULL,
        -- Derived from the metadata so the database itself keeps a client from naming a resource
        -- that does not exist, and a resource in use from being deleted.
        "default_resource" text GENERATED ALWAYS AS ("metadata" ->> 'default_resource') STORED
          CONSTRAINT "clients_default_resource_fkey"
          REFERENCES "client_registry"."resources" ("identifier") ON DELETE RESTRICT,
        "disabled" boolean NOT NULL DEFAULT false,
        "registration_access_token_hash" text,
        "client_id_issued_at" bigint NOT NULL,
        "created_at" timestamptz NOT NULL,
        "updated_at" timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE "client_registry"."client_secrets" (
        "id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        "client_id" text NOT NULL
          REFERENCES "client_registry"."clients" ("client_id") ON DELETE CASCADE,
        "hash" text NOT NULL,
        "created_at" timestamptz NOT NULL,
        "expires_at" timestamptz
      )`);
    await q.query(
      `CREATE INDEX "client_secrets_client_id" ON "client_registry"."client_secrets" ("client_id")`,
    );
    await q.query(
      `CREATE INDEX "client_secrets_expires_at" ON "client_registry"."client_secrets" ("expires_at") WHERE "expires_at" IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE "client_registry"."initial_access_tokens" (
        "token_hash" text PRIMARY KEY,
        "max_uses" integer NOT NULL CHECK ("max_uses" >= 1),
        "uses" integer NOT NULL DEFAULT 0 CHECK ("uses" >= 0 AND "uses" <= "max_uses"),
        "expires_at" timestamptz NOT NULL,
        "created_at" timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "client_registry"."initial_access_tokens"`);
    await q.query(`DROP TABLE "client_registry"."client_secrets"`);
    await q.query(`DROP TABLE "client_registry"."clients"`);
    await q.query(`DROP TABLE "client_registry"."resources"`);
  }
}
