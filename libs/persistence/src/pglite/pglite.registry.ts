import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { ConnectionLock } from './connection.lock';
import { loadPglite } from './pglite.loader';

/**
 * One PGlite instance per data directory per process. Embedded mode runs four services in one
 * process, each with its own DataSource, over one directory: two instances on one directory would
 * corrupt it, so every pool borrows the shared instance and the last one to end closes it.
 */

const MEMORY = 'memory://';

/** Where PGlite keeps its files: `<dataDir>/pg`, or in memory for `undefined` / `memory://...`. */
export function pgliteLocation(dataDir?: string): string {
  if (!dataDir) return MEMORY;
  if (dataDir.startsWith(MEMORY)) return dataDir;
  return resolve(dataDir, 'pg');
}

export interface PgliteHandle {
  /** The location key (absolute directory or `memory://...`). */
  readonly location: string;
  /** The one connection's lock, shared by every pool on this instance. */
  readonly lock: ConnectionLock;
  /** The instance, once PGlite has started (initdb on first use of a directory). */
  instance(): Promise<PGlite>;
  /** The session's search_path as last set by a pool, so pools re-set it only when switching. */
  searchPath: string | undefined;
  /** Drops this borrower's reference; the last one closes the instance. Idempotent. */
  release(): Promise<void>;
}

class SharedInstance {
  refs = 0;
  readonly lock = new ConnectionLock();
  searchPath: string | undefined;
  readonly ready: Promise<PGlite>;
  /** Gives the directory back to other processes (see claimDirectory). */
  unclaim: () => void = () => {};

  constructor(
    readonly location: string,
    previousClose: Promise<void>,
  ) {
    // A directory being closed by its last borrower must be fully closed before it is reopened.
    this.ready = previousClose.then(() => this.open());
    this.ready.catch(() => {
      // A failed start is not cached: the next borrower tries again.
      if (instances.get(location) === this) instances.delete(location);
    });
  }

  private async open(): Promise<PGlite> {
    if (this.location.startsWith(MEMORY)) return openPglite(this.location);
    mkdirSync(this.location, { recursive: true });
    this.unclaim = claimDirectory(this.location);
    try {
      return await openPglite(this.location);
    } catch (err) {
      this.unclaim();
      throw err;
    }
  }
}

const instances = new Map<string, SharedInstance>();
const closing = new Map<string, Promise<void>>();

/** Borrows the shared instance for `dataDir`, starting it if this is the first borrower. */
export function acquirePglite(dataDir?: string): PgliteHandle {
  const location = pgliteLocation(dataDir);
  let shared = instances.get(location);
  if (!shared) {
    shared = new SharedInstance(location, closing.get(location) ?? Promise.resolve());
    instances.set(location, shared);
  }
  shared.refs += 1;
  const entry = shared;
  let released = false;
  return {
    location,
    lock: entry.lock,
    instance: () => entry.ready,
    get searchPath() {
      return entry.searchPath;
    },
    set searchPath(value: string | undefined) {
      entry.searchPath = value;
    },
    release: async () => {
      if (released) return;
      released = true;
      entry.refs -= 1;
      if (entry.refs > 0 || instances.get(location) !== entry) return;
      instances.delete(location);
      const done = closeShared(entry);
      closing.set(location, done);
      try {
        await done;
      } finally {
        if (closing.get(location) === done) closing.delete(location);
      }
    },
  };
}

/** Number of live shared instances (tests). */
export function openPgliteCount(): number {
  return instances.size;
}

async function closeShared(entry: SharedInstance): Promise<void> {
  let db: PGlite;
  try {
    db = await entry.ready;
  } catch {
    return; // never started: nothing to close
  }
  // Let a statement still in flight finish, but do not hang shutdown on a leaked lease.
  const release = await entry.lock.acquire({ timeoutMs: 5_000 }).catch(() => undefined);
  try {
    if (!db.closed) await db.close();
  } finally {
    entry.unclaim();
    release?.();
  }
}

/**
 * PGlite does not stop a second process from opening a directory in use, and two writers corrupt
 * it (e.g. `npm start` twice, or migrating while the platform runs). A pid file next to the
 * directory refuses the second process; a file left by a dead process is taken over.
 */
function claimDirectory(location: string): () => void {
  const lockPath = `${location}.lock`;
  const mine = String(process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockPath, mine, { flag: 'wx' });
      return () => {
        try {
          if (readFileSync(lockPath, 'utf8') === mine) unlinkSync(lockPath);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lockPath, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new Error(
          `PGlite data directory ${location} is in use by process ${holder}; stop it first ` +
            `(or delete ${lockPath} if that process is not Latchkey)`,
          { cause: err },
        );
      }
      unlinkSync(lockPath); // stale: its process is gone
    }
  }
  throw new Error(`could not claim PGlite data directory ${location}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function openPglite(location: string): Promise<PGlite> {
  const { PGlite: Pglite } = loadPglite();
  return Pglite.create(location, { parsers: PARSERS, serializers: SERIALIZERS });
}

/** Postgres type OIDs (fixed by the server catalog). */
const OID = {
  BYTEA: 17,
  INT8: 20,
  JSON: 114,
  DATE: 1082,
  TIMESTAMP: 1114,
  TIMESTAMPTZ: 1184,
  JSONB: 3802,
};

/**
 * Make PGlite's values look like node-postgres's, so entities behave the same on both backends:
 * int8 stays a string (pg does not risk precision), `date` stays 'YYYY-MM-DD' (pg's local-midnight
 * Date shifts days across time zones; TypeORM turns either into the string), bytea is a Buffer.
 * Defining the object-producing parsers here also creates Dates and JSON values in the caller's
 * realm (see pglite.loader.ts).
 */
const PARSERS = {
  [OID.INT8]: (value: string) => value,
  [OID.DATE]: (value: string) => value,
  [OID.BYTEA]: (value: string) => Buffer.from(value.slice(2), 'hex'),
  [OID.JSON]: (value: string): unknown => JSON.parse(value),
  [OID.JSONB]: (value: string): unknown => JSON.parse(value),
  [OID.TIMESTAMP]: (value: string) => parseTimestamp(value),
  [OID.TIMESTAMPTZ]: (value: string) => parseTimestamp(value),
};

/**
 * Dates bound to `timestamp`/`date` parameters are sent as local time with an offset, as pg does,
 * so a `timestamp without time zone` column stores the same wall-clock value on both backends.
 * (PGlite itself has no serializer for `timestamp`/`date` parameters and would send Date#toString.)
 */
const SERIALIZERS = {
  [OID.TIMESTAMP]: (value: unknown) => serializeDate(value),
  [OID.TIMESTAMPTZ]: (value: unknown) => serializeDate(value),
  [OID.DATE]: (value: unknown) => serializeDate(value),
  [OID.BYTEA]: (value: unknown) => serializeBytea(value),
};

function parseTimestamp(value: string): Date | number {
  if (value === 'infinity') return Infinity;
  if (value === '-infinity') return -Infinity;
  return new Date(value);
}

/** Realm-independent: a Date from another vm context fails `instanceof Date`. */
const isDate = (value: unknown): value is Date =>
  Object.prototype.toString.call(value) === '[object Date]';

function serializeDate(value: unknown): string {
  if (isDate(value)) return dateToPgString(value);
  if (value === Infinity) return 'infinity';
  if (value === -Infinity) return '-infinity';
  if (typeof value === 'number') return dateToPgString(new Date(value));
  return String(value);
}

function serializeBytea(value: unknown): string {
  if (ArrayBuffer.isView(value)) {
    return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  }
  return String(value); // already in '\\x...' text form
}

/** node-postgres's `dateToString`: local time, milliseconds, numeric offset. */
function dateToPgString(date: Date): string {
  const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');
  const offset = -date.getTimezoneOffset();
  let year = date.getFullYear();
  const bc = year < 1;
  if (bc) year = Math.abs(year) + 1;
  return (
    `${pad(year, 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}` +
    `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}` +
    (bc ? ' BC' : '')
  );
}
