import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Back-channel logout deliveries waiting for their next attempt, so that a restart or a crash of
 * a gateway loses none: any replica claims a due row with a lease (`lease_owner`, `lease_until`),
 * and a delivered or abandoned row is deleted. `attempts` counts claims, so an attempt cut short
 * by a crash still counts against the bound.
 */
export class BackchannelDeliveries1733100000000 implements MigrationInterface {
  name = 'BackchannelDeliveries1733100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "gateway"."backchannel_deliveries" (
        "id" uuid PRIMARY KEY,
        "client_id" text NOT NULL,
        "uri" text NOT NULL,
        "logout_token" text NOT NULL,
        "attempts" integer NOT NULL DEFAULT 0 CHECK ("attempts" >= 0),
        "next_attempt_at" timestamptz NOT NULL,
        "lease_owner" text,
        "lease_until" timestamptz,
        "last_error" text,
        "created_at" timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX "backchannel_deliveries_next_attempt_at" ON "gateway"."backchannel_deliveries" ("next_attempt_at")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "gateway"."backchannel_deliveries"`);
  }
}
