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
        ...queryTimeouts(options.queryTimeoutMs),
      },
    };
  }
  return {
    ...common,
    driver: createPgliteDriver({ dataDir: options.dataDir, searchPath }),
  };
}

/**
 * pg's per-connection limits for one statement: the server's `statement_timeout` a little before
 * the client's read timeout, so that a slow statement on a live server is cancelled cleanly
 * (SQLSTATE 57014) and the client's own timeout only ends a wait on a frozen or unreachable one.
 */
function queryTimeouts(queryTimeoutMs: number | undefined) {
  if (queryTimeoutMs === undefined) return {};
  return {
    statement_timeout: Math.max(1, Math.floor((queryTimeoutMs * 9) / 10)),
    query_timeout: queryTimeoutMs,
  };
}

/** The same options without the statement limits: for migrations, which may take long. */
export function withoutQueryTimeouts(
  options: PostgresDataSourceOptions,
): PostgresDataSourceOptions {
  const extra = options.extra as Record<string, unknown> | undefined;
  if (!extra || (extra.statement_timeout === undefined && extra.query_timeout === undefined)) {
    return options;
  }
  const { statement_timeout: _server, query_timeout: _client, ...rest } = extra;
  return { ...options, extra: rest };
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
    const unlimited = withoutQueryTimeouts(dataSource.options as PostgresDataSourceOptions);
    if (unlimited === dataSource.options) {
      await runMigrations(dataSource, schema, { logger });
    } else {
      // Migrations (and the wait for another replica's, under the advisory lock) may outlast
      // any request's deadline: they run on a connection of their own without the limits.
      await migrateWith(new DataSource(unlimited), schema, logger);
    }
    return dataSource;
  } catch (err) {
    await closeQuietly(dataSource);
    throw toDatabaseError(err);
  }
}

async function migrateWith(
  dataSource: DataSource,
  schema: string,
  logger?: DatabaseOptions['logger'],
): Promise<void> {
  translateDatabaseErrors(dataSource);
  try {
    await dataSource.initialize();
    await runMigrations(dataSource, schema, { logger });
  } finally {
    await closeQuietly(dataSource);
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
