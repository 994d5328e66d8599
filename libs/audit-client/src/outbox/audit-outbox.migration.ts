import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertSchemaName, quoteIdentifier } from '@latchkey/persistence';

/** What TypeORM's `migrations` list takes: a class it instantiates. */
export type AuditOutboxMigrationClass = new () => MigrationInterface;

/**
 * The audit outbox of one service, in that service's own schema (`<schema>.audit_outbox`): events
 * are written here, in the caller's transaction when it wants, and the relay delivers and deletes
 * them. Add `auditOutboxMigration('<schema>')` to the service's persistence migrations.
 */
export function auditOutboxMigration(schema: string): AuditOutboxMigrationClass {
  assertSchemaName(schema);
  const table = `${quoteIdentifier(schema)}."audit_outbox"`;
  return class AuditOutbox1732900000000 implements MigrationInterface {
    name = 'AuditOutbox1732900000000';

    async up(q: QueryRunner): Promise<void> {
      await q.query(`
        CREATE TABLE ${table} (
          "seq" bigint GENERATED ALWAYS AS IDENTITY,
          "id" uuid PRIMARY KEY,
          "event" jsonb NOT NULL,
          "created_at" timestamptz NOT NULL DEFAULT now(),
          "attempts" integer NOT NULL DEFAULT 0,
          "next_attempt_at" timestamptz NOT NULL DEFAULT now()
        )`);
      // The relay reads due rows oldest first.
      await q.query(`CREATE INDEX "audit_outbox_due" ON ${table} ("next_attempt_at", "seq")`);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`DROP TABLE ${table}`);
    }
  };
}
