import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Remembered consents: what a user allowed a client. A deleted user takes their consents along;
 * rows of a deleted client are removed by the gateway when the registry announces it.
 */
export class Consents1732200000400 implements MigrationInterface {
  name = 'Consents1732200000400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "gateway"."consents" (
        "sub" text NOT NULL REFERENCES "gateway"."users" ("id") ON DELETE CASCADE,
        "client_id" text NOT NULL,
        "scopes" text[] NOT NULL,
        "created_at" timestamptz NOT NULL,
        "updated_at" timestamptz NOT NULL,
        PRIMARY KEY ("sub", "client_id")
      )`);
    await q.query(`CREATE INDEX "consents_client_id" ON "gateway"."consents" ("client_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "gateway"."consents"`);
  }
}
