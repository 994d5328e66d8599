import { createHash } from 'node:crypto';
import { MigrationExecutor, type DataSource } from 'typeorm';
import { consoleLogger, type PersistenceLogger } from './persistence.logger';
import { assertSchemaName, quoteIdentifier } from './persistence.options';

export interface RunMigrationsOptions {
  logger?: PersistenceLogger;
}

/**
 * Brings `schema` up to date: creates it if missing, then runs every pending migration of the
 * DataSource in one transaction (all or nothing), on one connection.
 *
 * On a Postgres server a session advisory lock keyed on the schema is held throughout, so replicas
 * starting together run the migrations once and the others wait, then find nothing pending. PGlite
 * is one process with one connection: no lock (and taking one on another runner would deadlock).
 *
 * Returns the names of the migrations that ran.
 */
export async function runMigrations(
  dataSource: DataSource,
  schema: string,
  options: RunMigrationsOptions = {},
): Promise<string[]> {
  assertSchemaName(schema);
  const configured = (dataSource.options as { schema?: string }).schema;
  if (configured !== undefined && configured !== schema) {
    // The migrations table lives in the DataSource's schema; migrating another one would split them.
    throw new Error(`runMigrations: DataSource is for schema "${configured}", not "${schema}"`);
  }
  const logger = options.logger ?? consoleLogger(`persistence:${schema}`);
  const embedded =
    (dataSource.options as { driver?: { pglite?: boolean } }).driver?.pglite === true;
  const lockKey = advisoryLockKey(schema);
  const started = Date.now();

  const runner = dataSource.createQueryRunner('master');
  try {
    if (!embedded) await runner.query('SELECT pg_advisory_lock($1::bigint)', [lockKey]);
    try {
      await runner.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'all';
      const ran = await executor.executePendingMigrations();
      const names = ran.map((migration) => migration.name);
      const took = Date.now() - started;
      if (names.length > 0) {
        logger.log(
          `schema "${schema}": applied ${names.length} migration(s) in ${took} ms: ${names.join(', ')}`,
        );
      } else {
        logger.log(
          `schema "${schema}": up to date (${dataSource.migrations.length} migration(s) known)`,
        );
      }
      return names;
    } finally {
      if (!embedded) {
        // If the session died the server already dropped the lock with it.
        await runner
          .query('SELECT pg_advisory_unlock($1::bigint)', [lockKey])
          .catch(() => undefined);
      }
    }
  } catch (err) {
    logger.error(
      `schema "${schema}": migrations failed: ${err instanceof Error ? err.message : String(err)}`,
    );
    throw err;
  } finally {
    await runner.release();
  }
}

/** A stable signed 64-bit key per schema (not hashtext(), whose values may change across majors). */
export function advisoryLockKey(schema: string): string {
  const digest = createHash('sha256').update(`latchkey:migrations:${schema}`).digest();
  return digest.readBigInt64BE(0).toString();
}
