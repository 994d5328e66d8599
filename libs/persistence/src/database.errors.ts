import type { DataSource, QueryRunner } from 'typeorm';

/**
 * The database could not be reached (refused, dropped, timed out, shutting down). Callers map it to
 * 503 `TemporarilyUnavailable`; anything else from the database is a bug or a constraint to handle.
 */
export class DatabaseUnavailableError extends Error {
  readonly code = 'DATABASE_UNAVAILABLE' as const;

  constructor(message = 'database unavailable', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

/** Node socket errors that mean "no route to a live server". */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/**
 * SQLSTATEs for a server that is there but not serving: class 08 (connection exception), 57P01-03
 * (admin/crash shutdown, cannot connect now), 53300 (too many connections), 57014 (a statement
 * cancelled, by `statement_timeout` above all: the database too slow to answer in time).
 */
const isUnavailableSqlState = (code: string) =>
  /^08[0-9A-Z]{3}$/.test(code) || /^57P0[1-3]$/.test(code) || code === '53300' || code === '57014';

/** pg's own read timeout (`query_timeout`): the server did not answer a statement in time. */
const CLIENT_READ_TIMEOUT = /^query read timeout$/i;

/** Messages of pg, pg-pool, TypeORM and our PGlite pool that carry no code. */
const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection timeout/i,
  /client has encountered a connection error/i,
  /cannot use a pool after calling end/i,
  /driver not connected/i,
  /connection is not established/i,
  /pglite is closed/i,
  /pglite pool: timed out/i,
  CLIENT_READ_TIMEOUT,
];

/**
 * True when `err` (or what it wraps: TypeORM's `driverError`, `cause`, an AggregateError's
 * `errors`) says the database is unreachable rather than that the statement was wrong.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  return inspect(err, 0);
}

function inspect(err: unknown, depth: number): boolean {
  if (depth > 4 || typeof err !== 'object' || err === null) return false;
  if (err instanceof DatabaseUnavailableError) return true;
  const e = err as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || isUnavailableSqlState(e.code)))
    return true;
  // TypeORM releases a runner whose connection errored (server restart, network cut); the next
  // statement of that transaction then meets this error. Using a runner after release() is also a
  // bug that raises it, but a dropped connection is by far the usual cause in production.
  if ((err as Error).name === 'QueryRunnerAlreadyReleasedError') return true;
  if (
    typeof e.message === 'string' &&
    UNAVAILABLE_MESSAGES.some((re) => re.test(e.message as string))
  )
    return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => inspect(inner, depth + 1))) return true;
  return inspect(e.driverError, depth + 1) || inspect(e.cause, depth + 1);
}

/** Wraps unreachable-database errors in {@link DatabaseUnavailableError}; returns others unchanged. */
export function toDatabaseError(err: unknown): unknown {
  if (err instanceof DatabaseUnavailableError || !isDatabaseUnavailable(err)) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new DatabaseUnavailableError(`database unavailable: ${detail}`, { cause: err });
}

/** The QueryRunner methods that talk to the database (every repository call goes through them). */
const RUNNER_IO_METHODS = [
  'connect',
  'query',
  'startTransaction',
  'commitTransaction',
  'rollbackTransaction',
  'release',
] as const;

/**
 * Makes every statement of `dataSource` fail with {@link DatabaseUnavailableError} (code
 * `DATABASE_UNAVAILABLE`) when the database cannot be reached, so that callers and the error
 * filters classify an outage by that code alone (docs/architecture.md §3) and no repository
 * needs its own mapping. Every other error passes unchanged (constraint violations stay
 * TypeORM's QueryFailedError).
 */
export function translateDatabaseErrors(dataSource: DataSource): DataSource {
  const marked = dataSource as DataSource & { [TRANSLATED]?: true };
  if (marked[TRANSLATED]) return dataSource;
  marked[TRANSLATED] = true;
  const createQueryRunner = dataSource.createQueryRunner.bind(dataSource);
  dataSource.createQueryRunner = (mode) => translateRunnerErrors(createQueryRunner(mode));
  return dataSource;
}

const TRANSLATED = Symbol('latchkey.translateDatabaseErrors');

function translateRunnerErrors(runner: QueryRunner): QueryRunner {
  const methods = runner as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of RUNNER_IO_METHODS) {
    if (typeof methods[name] !== 'function') continue;
    const original = methods[name].bind(runner);
    methods[name] = async (...args: unknown[]) => {
      try {
        return await original(...args);
      } catch (err) {
        if (isClientReadTimeout(err)) await dropConnection(runner, err);
        throw toDatabaseError(err);
      }
    };
  }
  return runner;
}

function isClientReadTimeout(err: unknown): boolean {
  const driverError = (err as { driverError?: unknown } | null)?.driverError ?? err;
  return driverError instanceof Error && CLIENT_READ_TIMEOUT.test(driverError.message);
}

/**
 * After pg's read timeout the statement may still be running (or waiting in a frozen server) on
 * that connection, inside a transaction nobody will finish: the connection goes back to pg-pool
 * with the error, which closes it instead of lending it out again, and the server rolls the
 * transaction back when it sees the connection gone. The runner is released; what the caller
 * does with it next fails as unavailable too.
 */
async function dropConnection(runner: QueryRunner, err: unknown): Promise<void> {
  const release = (runner as { releasePostgresConnection?: (err?: unknown) => Promise<void> })
    .releasePostgresConnection;
  if (typeof release === 'function') await release.call(runner, err).catch(() => undefined);
}
