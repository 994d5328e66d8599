import type { DataSourceOptions } from 'typeorm';
import type { PersistenceLogger } from './persistence.logger';

/** Where the database is: the part that comes from configuration, shared by every service. */
export interface DatabaseConnectionOptions {
  /** `postgres://...`: a real server. Unset: embedded PGlite under `dataDir`. */
  databaseUrl?: string;
  /**
   * The platform data directory (e.g. `./.data`); PGlite keeps its files in `<dataDir>/pg`.
   * `undefined` or `memory://<name>`: an in-memory PGlite (tests). Ignored with `databaseUrl`.
   */
  dataDir?: string;
  /** Connections per DataSource on a real server (default 10). */
  poolSize?: number;
  /** How long a connection attempt / pool checkout may take on a real server (default 5000 ms). */
  connectTimeoutMs?: number;
  /**
   * Longest run of one statement on a real server (ms): the server cancels it at nine tenths
   * (`statement_timeout`), the client gives up at the whole (a frozen server) and drops the
   * connection. Either way the caller gets `DatabaseUnavailableError` (503). Migrations run
   * without it. Unset: no limit.
   */
  queryTimeoutMs?: number;
  /** Where migration and query-error lines go (a Nest `Logger` fits). */
  logger?: PersistenceLogger;
  /** Told of every query that failed other than on a constraint (metrics). */
  onQueryError?: () => void;
}

/** What each service adds: its schema and the entities and migrations that live in it. */
export interface ServicePersistenceOptions {
  /** The Postgres schema the service owns, e.g. `token`. Its migrations table lives there too. */
  schema: string;
  entities: NonNullable<DataSourceOptions['entities']>;
  migrations: NonNullable<DataSourceOptions['migrations']>;
}

export type DatabaseOptions = DatabaseConnectionOptions & ServicePersistenceOptions;

/** Injection token for {@link DatabaseConnectionOptions} (provided by the config module). */
export const PERSISTENCE_OPTIONS = 'LATCHKEY_PERSISTENCE_OPTIONS';

/**
 * Schema names go into SQL identifiers, the advisory-lock key and the connection's search_path;
 * they are fixed per service, so accept only plain lowercase names.
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_-]{0,62}$/;

export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(
      `invalid schema name ${JSON.stringify(schema)}: use lowercase letters, digits, '_' or '-'`,
    );
  }
}

/** Double-quoted SQL identifier (schema names are validated, so this is only for '-' and keywords). */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
