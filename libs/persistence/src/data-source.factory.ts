import { DataSource, type DataSourceOptions } from 'typeorm';
import { toDatabaseError, translateDatabaseErrors } from './database.errors';
import { runMigrations } from './migrations.runner';
import { consoleLogger, TypeOrmLoggerAdapter } from './persistence.logger';
import { assertSchemaName, quoteIdentifier, type DatabaseOptions } from './persistence.options';
import { createPgliteDriver, type PgliteDriver } from './pglite/pglite.pool';

export type PostgresDataSourceOptions = Extract<DataSourceOptions, { type: 'postgres' }>;

const DEFAULT_POOL_SIZE = 10;
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/**
 * TypeORM options for one service's schema, on a real Postgres server (`databaseUrl`) or on the
 * embedded PGlite (`dataDir`), with the same entities and migrations. Never synchronizes; migrations
 * are run by {@link runMigrations}, not by TypeORM at initialize.
 */
export function createDataSourceOptions(options: DatabaseOptions): PostgresDataSourceOptions {
  const { schema, databaseUrl } = options;
  assertSchemaName(schema);
  // Unqualified names in migrations and raw SQL resolve to the service's own schema on both backends.
  const searchPath = `${quoteIdentifier(schema)}, public`;
  const common = {
    type: 'postgres',
    schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsRun: false,
    migrationsTransactionMode: 'all',
    synchronize: false,
    dropSchema: false,
    // PGlite has no uuid-ossp/pgcrypto, and production roles should not need CREATE EXTENSION:
    // `gen_random_uuid()` is built in since Postgres 13, and 'pgcrypto' makes TypeORM name it.
    installExtensions: false,
    uuidExtension: 'pgcrypto',
    logger: new TypeOrmLoggerAdapter(
      options.logger ?? consoleLogger(`persistence:${schema}`),
      options.onQueryError,
    ),
  } as const;

  if (databaseUrl) {
    return {
      ...common,
      url: databaseUrl,
      poolSize: options.poolSize ?? DEFAULT_POOL_SIZE,
      connectTimeoutMS: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      applicationName: `latchkey-${schema}`,
      extra: {
        // pg-pool: checkout waits are bounded too, so an exhausted pool answers 503, not a hang.
        connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        idleTimeoutMillis: 30_000,
        keepAlive: true,
        options: `-c search_path=${searchPath.replace(/ /g, '')}`,
      },
    };
  }
  return {
    ...common,
    driver: createPgliteDriver({ dataDir: options.dataDir, searchPath }),
  };
}

/** True when the DataSource runs on the embedded PGlite rather than a Postgres server. */
export function isEmbeddedDataSource(dataSource: DataSource): boolean {
  const driver = (dataSource.options as { driver?: Partial<PgliteDriver> }).driver;
  return driver?.pglite === true;
}

/**
 * Creates the DataSource, connects, runs pending migrations and returns it ready to use.
 * An unreachable database rejects with `DatabaseUnavailableError` (see `isDatabaseUnavailable`).
 */
export async function openDatabase(options: DatabaseOptions): Promise<DataSource> {
  const dataSource = new DataSource(createDataSourceOptions(options));
  return initializeDataSource(dataSource, options.schema, options.logger);
}

/** Initializes an existing DataSource and migrates its schema; closes it again on failure. */
export async function initializeDataSource(
  dataSource: DataSource,
  schema: string,
  logger?: DatabaseOptions['logger'],
): Promise<DataSource> {
  translateDatabaseErrors(dataSource);
  try {
    if (!dataSource.isInitialized) await dataSource.initialize();
    await runMigrations(dataSource, schema, { logger });
    return dataSource;
  } catch (err) {
    await closeQuietly(dataSource);
    throw toDatabaseError(err);
  }
}

async function closeQuietly(dataSource: DataSource): Promise<void> {
  try {
    if (dataSource.isInitialized) await dataSource.destroy();
    // initialize() can fail after the driver made its pool (e.g. the first query failed);
    // ending the pool gives back the shared PGlite reference / pg sockets.
    else await dataSource.driver.disconnect();
  } catch {
    // nothing was open
  }
}

/** Applies one service's pending migrations and closes the connection (`main.js migrate`). */
export async function migrateOnly(options: DatabaseOptions): Promise<void> {
  const dataSource = await openDatabase(options);
  await dataSource.destroy();
}
