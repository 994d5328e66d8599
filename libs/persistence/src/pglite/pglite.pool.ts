import { EventEmitter } from 'node:events';
import type { PGlite, Results } from '@electric-sql/pglite';
import { acquirePglite, type PgliteHandle } from './pglite.registry';

/**
 * A node-postgres look-alike over a shared PGlite instance, passed to TypeORM as its `driver`
 * (TypeORM only needs `new Pool(opts)`, `pool.connect(cb)`, `pool.on('error')`, `pool.end(cb)` and
 * a client with `query()`, `on()`/`removeListener()`).
 *
 * PGlite is one Postgres session. A pool therefore lends out at most one client at a time across
 * every pool on the instance: a query runner holding the client owns the session, so another
 * runner's statements can never land inside its transaction.
 */

/** The shape of node-postgres's query result that TypeORM reads. */
export interface PgQueryResult {
  command: string;
  rowCount: number | null;
  rows: Record<string, unknown>[];
  fields: { name: string; dataTypeID: number }[];
}

type QueryCallback = (err: Error | null, result?: PgQueryResult) => void;
type ConnectCallback = (
  err: Error | undefined,
  client: PgliteClient | undefined,
  release: (err?: unknown) => void,
) => void;

export interface PglitePoolConfig {
  /** Platform data directory; PGlite lives in `<dataDir>/pg`. `undefined` or `memory://...`: in memory. */
  dataDir?: string;
  /** Session search_path for this pool's leases, already quoted (e.g. `"token", public`). */
  searchPath?: string;
  /** How long `connect` waits for the shared connection before failing (deadlock guard). */
  acquireTimeoutMs?: number;
}

const DEFAULT_ACQUIRE_TIMEOUT_MS = 30_000;

export class PglitePool extends EventEmitter {
  private readonly handle: PgliteHandle;
  private readonly aborter = new AbortController();
  private readonly leases = new Set<PgliteClient>();
  private ending: Promise<void> | undefined;
  private waiting = 0;

  constructor(private readonly config: PglitePoolConfig) {
    super();
    this.handle = acquirePglite(config.dataDir);
  }

  get ended(): boolean {
    return this.ending !== undefined;
  }

  /** pg-pool's counts (metrics): one shared session, idle when nobody holds a lease of it. */
  get totalCount(): number {
    return 1;
  }

  get idleCount(): number {
    return this.leases.size === 0 ? 1 : 0;
  }

  /** Leases waiting for the session. */
  get waitingCount(): number {
    return this.waiting;
  }

  connect(): Promise<PgliteClient>;
  connect(callback: ConnectCallback): void;
  connect(callback?: ConnectCallback): Promise<PgliteClient> | void {
    const leased = this.lease();
    if (!callback) return leased;
    leased.then(
      (client) => callback(undefined, client, (err) => client.release(err)),
      (err: Error) => callback(err, undefined, () => {}),
    );
  }

  /** pg's `pool.query`: one statement on a short lease. */
  async query(text: string, values?: unknown[]): Promise<PgQueryResult> {
    const client = await this.lease();
    try {
      return await client.query(text, values);
    } finally {
      client.release();
    }
  }

  end(): Promise<void>;
  end(callback: (err?: Error) => void): void;
  end(callback?: (err?: Error) => void): Promise<void> | void {
    this.ending ??= this.shutdown();
    if (!callback) return this.ending;
    this.ending.then(() => callback(), callback);
  }

  private async shutdown(): Promise<void> {
    this.aborter.abort(new Error('Cannot use a pool after calling end on the pool'));
    // TypeORM releases its runners before ending; a lease still out here was leaked, reclaim it.
    await Promise.all([...this.leases].map((client) => client.releaseAsync()));
    await this.handle.release();
  }

  private async lease(): Promise<PgliteClient> {
    if (this.ended) throw new Error('Cannot use a pool after calling end on the pool');
    const db = await this.handle.instance();
    this.waiting += 1;
    const unlock = await this.handle.lock
      .acquire({
        timeoutMs: this.config.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS,
        signal: this.aborter.signal,
      })
      .finally(() => (this.waiting -= 1));
    try {
      const { searchPath } = this.config;
      if (searchPath && this.handle.searchPath !== searchPath) {
        // Services share the session; each lease sees its own schema first, as on a real server.
        await db.exec(`SET search_path TO ${searchPath}`);
        this.handle.searchPath = searchPath;
      }
    } catch (err) {
      unlock();
      throw err;
    }
    const client = new PgliteClient(db, this.handle, () => {
      this.leases.delete(client);
      unlock();
    });
    this.leases.add(client);
    return client;
  }
}

/** One lease of the shared session. Unusable after `release()`. */
export class PgliteClient extends EventEmitter {
  private released = false;
  private releasing: Promise<void> | undefined;
  /** A transaction may be open on the session (BEGIN seen, or an error left us unsure). */
  private transactionMaybeOpen = false;

  constructor(
    private readonly db: PGlite,
    private readonly handle: PgliteHandle,
    private readonly onReleased: () => void,
  ) {
    super();
  }

  query(
    text: string | { text: string; values?: unknown[] },
    values?: unknown[],
  ): Promise<PgQueryResult>;
  query(text: string | { text: string; values?: unknown[] }, callback: QueryCallback): void;
  query(
    text: string | { text: string; values?: unknown[] },
    values: unknown[] | undefined,
    callback: QueryCallback,
  ): void;
  query(
    textOrConfig: string | { text: string; values?: unknown[] },
    valuesOrCallback?: unknown[] | QueryCallback,
    maybeCallback?: QueryCallback,
  ): Promise<PgQueryResult> | void {
    const text = typeof textOrConfig === 'string' ? textOrConfig : textOrConfig.text;
    const callback = typeof valuesOrCallback === 'function' ? valuesOrCallback : maybeCallback;
    const values =
      typeof valuesOrCallback === 'function' || valuesOrCallback === undefined
        ? typeof textOrConfig === 'string'
          ? undefined
          : textOrConfig.values
        : valuesOrCallback;
    const result = this.run(text, values);
    if (!callback) return result;
    result.then(
      (res) => callback(null, res),
      (err: Error) => callback(err),
    );
  }

  /** pg's `client.release(err?)`. The session is rolled back first if a transaction was left open. */
  release(_err?: unknown): void {
    void this.releaseAsync();
  }

  releaseAsync(): Promise<void> {
    this.releasing ??= this.finish();
    return this.releasing;
  }

  private async finish(): Promise<void> {
    this.released = true;
    try {
      // The next lease must not start inside this runner's (possibly failed) transaction.
      if (this.transactionMaybeOpen && !this.db.closed) await this.db.exec('ROLLBACK');
    } catch {
      // A failed ROLLBACK leaves nothing more we can do for the next borrower.
    } finally {
      this.onReleased();
    }
  }

  private async run(text: string, values: unknown[] | undefined): Promise<PgQueryResult> {
    if (this.released) throw new Error('PGlite pool: client used after release');
    let results: Results[];
    try {
      // Extended protocol for parameters (one statement); simple protocol otherwise, which also
      // accepts the multi-statement strings migrations like to send.
      results =
        values && values.length > 0
          ? [await this.db.query(text, values.map(toPgParameter))]
          : await this.db.exec(text);
    } catch (err) {
      if (/\b(BEGIN|START|SAVEPOINT)\b/i.test(text)) this.transactionMaybeOpen = true;
      throw err;
    }
    for (const result of results) this.track(result.command);
    const last = results[results.length - 1] ?? { rows: [], fields: [] };
    return toPgResult(last, text);
  }

  private track(command: string | undefined): void {
    switch (command) {
      case 'BEGIN':
      case 'START':
        this.transactionMaybeOpen = true;
        break;
      case 'COMMIT':
      case 'ROLLBACK':
        this.transactionMaybeOpen = false;
        break;
      case 'SET':
      case 'RESET':
      case 'DISCARD':
        // Someone changed session settings; make the next lease re-apply its search_path.
        this.handle.searchPath = undefined;
        break;
    }
  }
}

/** node-postgres `prepareValue` behaviour PGlite lacks: undefined is NULL, plain objects are JSON. */
function toPgParameter(value: unknown): unknown {
  if (value === undefined) return null;
  if (
    value !== null &&
    typeof value === 'object' &&
    Object.prototype.toString.call(value) !== '[object Date]' &&
    !ArrayBuffer.isView(value) &&
    !Array.isArray(value)
  )
    return JSON.stringify(value);
  return value;
}

function toPgResult(result: Results, text: string): PgQueryResult {
  const command = result.command ?? commandOf(text);
  const counted = ['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'SELECT', 'COPY', 'FETCH', 'MOVE'];
  return {
    command,
    rowCount:
      result.rowCount ??
      (counted.includes(command) ? (result.affectedRows ?? result.rows.length) : null),
    rows: result.rows as Record<string, unknown>[],
    fields: result.fields,
  };
}

/** First keyword of the statement, past comments, when PGlite reports no command tag. */
export function commandOf(text: string): string {
  const stripped = text.replace(/^(\s|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/, '');
  return (/^[a-z]+/i.exec(stripped)?.[0] ?? '').toUpperCase();
}

/** What `driver:` takes: a `{ Pool }` bound to one data directory and schema. */
export interface PgliteDriver {
  readonly Pool: new (options?: unknown) => PglitePool;
  /** Marks data sources running on PGlite (see `isEmbeddedDataSource`). */
  readonly pglite: true;
}

export function createPgliteDriver(config: PglitePoolConfig): PgliteDriver {
  class BoundPglitePool extends PglitePool {
    // TypeORM passes pg connection options (host, max, ...); none of them apply to PGlite.
    constructor(_options?: unknown) {
      super(config);
    }
  }
  return { Pool: BoundPglitePool, pglite: true };
}
