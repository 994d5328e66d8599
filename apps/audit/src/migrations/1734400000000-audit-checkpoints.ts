import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signed checkpoints of the chain head (docs/audit.md): append-only like the events, one per
 * seq (replicas that sign the same head store it once).
 */
export class AuditCheckpoints1734400000000 implements MigrationInterface {
  name = 'AuditCheckpoints1734400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "audit"."checkpoints" (
        "seq" bigint PRIMARY KEY,
        "hash" text NOT NULL,
        "time" timestamptz NOT NULL,
        "kid" text NOT NULL,
        "jws" text NOT NULL
      )`);
    await q.query(`
      CREATE TRIGGER "checkpoints_append_only" BEFORE UPDATE OR DELETE ON "audit"."checkpoints"
      FOR EACH ROW EXECUTE FUNCTION "audit"."refuse_change"()`);
    await q.query(`
      CREATE TRIGGER "checkpoints_no_truncate" BEFORE TRUNCATE ON "audit"."checkpoints"
      FOR EACH STATEMENT EXECUTE FUNCTION "audit"."refuse_change"()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "audit"."checkpoints"`);
  }
}
