import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The append-only audit log. Each row is chained to the previous one
 * (`hash = sha256(prev_hash || canonical event)`), so any edit or deletion is detectable.
 *
 * `event` is the CloudEvent as received and hashed; the other columns are copies of its fields
 * for filtering (what the query API returns and the chain proves is `event`).
 */
export class AuditEvents1732200000100 implements MigrationInterface {
  name = 'AuditEvents1732200000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "audit"."events" (
        "seq" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        "id" uuid NOT NULL UNIQUE,
        "type" text NOT NULL,
        "source" text NOT NULL,
        "subject" text,
        "time" timestamptz NOT NULL,
        "client_id" text,
        "sub" text,
        "event" jsonb NOT NULL,
        "prev_hash" text NOT NULL,
        "hash" text NOT NULL UNIQUE,
        "stored_at" timestamptz NOT NULL DEFAULT now()
      )`);
    // Every filter of the query API pages newest first by seq.
    await q.query(`CREATE INDEX "events_type_seq" ON "audit"."events" ("type", "seq")`);
    await q.query(`CREATE INDEX "events_subject_seq" ON "audit"."events" ("subject", "seq")`);
    await q.query(`CREATE INDEX "events_client_id_seq" ON "audit"."events" ("client_id", "seq")`);
    await q.query(`CREATE INDEX "events_sub_seq" ON "audit"."events" ("sub", "seq")`);
    await q.query(`CREATE INDEX "events_time" ON "audit"."events" ("time")`);
    // Append-only: the table refuses updates, deletes and truncation, whoever connects.
    await q.query(`
      CREATE FUNCTION "audit"."refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit events are append-only';
      END $$`);
    await q.query(`
      CREATE TRIGGER "events_append_only" BEFORE UPDATE OR DELETE ON "audit"."events"
      FOR EACH ROW EXECUTE FUNCTION "audit"."refuse_change"()`);
    await q.query(`
      CREATE TRIGGER "events_no_truncate" BEFORE TRUNCATE ON "audit"."events"
      FOR EACH STATEMENT EXECUTE FUNCTION "audit"."refuse_change"()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "audit"."events"`);
    await q.query(`DROP FUNCTION "audit"."refuse_change"()`);
  }
}
