/**
 * Short-lived state (authorization codes, sessions, interaction state, rate-limit counters, token
 * denylists) behind one interface: Redis in production, memory in embedded mode and unit tests.
 *
 * Values are strings (callers JSON-encode). Keys are namespaced by the store's prefix. TTLs are in
 * milliseconds and must be positive; `undefined` means no expiry.
 */
export interface KvStore {
  /** The value, or `null` when absent or expired. */
  get(key: string): Promise<string | null>;
  /** Stores `value`, replacing any previous value and its TTL. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Stores only if the key is absent (SET NX). True when this call stored it. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Atomically reads and deletes: of concurrent callers exactly one gets the value (single use). */
  getDel(key: string): Promise<string | null>;
  /** Deletes the key. True when it existed. */
  del(key: string): Promise<boolean>;
  /**
   * Atomically replaces the value when it currently equals `expected` (`null`: the key must be
   * absent). With `ttlMs` the key gets that TTL; without, an existing key keeps its remaining TTL.
   */
  compareAndSet(
    key: string,
    expected: string | null,
    next: string,
    ttlMs?: number,
  ): Promise<boolean>;
  /**
   * Atomically increments a counter and returns the new value. The TTL is set when the counter is
   * created (fixed window) and not extended by later increments.
   */
  incr(key: string, ttlMs: number): Promise<number>;
  /**
   * Atomically gives back one count of an existing counter (never below 0) and returns the new
   * value; `null` when the counter is absent (its window ended): nothing is recreated.
   */
  decr(key: string): Promise<number | null>;
  /**
   * Adds `member` to the set at `key` (or renews it) for `memberTtlMs`, and drops the members
   * whose time is up, in one atomic step costing O(log n) plus the members dropped. The key
   * lives as long as its longest-lived member. An index that never needs read-modify-write.
   */
  setAdd(key: string, member: string, memberTtlMs: number): Promise<void>;
  /** Removes `member` from the set. True when it was there (expired but not yet dropped too). */
  setRemove(key: string, member: string): Promise<boolean>;
  /** The set's live members, in order of expiry (soonest first). */
  setMembers(key: string): Promise<string[]>;
  /** Atomically reads and deletes the set: of concurrent callers one gets each member. */
  setTake(key: string): Promise<string[]>;
  /** Remaining lifetime in ms; `null` when the key is absent; `Infinity` when it never expires. */
  ttl(key: string): Promise<number | null>;
  /** Round trip in ms; rejects with {@link KvUnavailableError} when the store does not answer. */
  ping(): Promise<number>;
  /** Releases connections and timers. Further calls reject. */
  close(): Promise<void>;
}

/** Injection token for the service's {@link KvStore} (provide it with `createKvStore`). */
export const KV_STORE = 'LATCHKEY_KV_STORE';

/**
 * The store cannot be reached (Redis down, connection lost, timed out). Callers answer 503
 * `TemporarilyUnavailable` and never fall back to issuing anything without the record.
 */
export class KvUnavailableError extends Error {
  readonly code = 'KV_UNAVAILABLE' as const;

  constructor(message = 'key-value store unavailable', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KvUnavailableError';
  }
}

/** Branch on `code`, not on the class: errors can cross module copies and realms. */
export function isKvUnavailable(err: unknown): err is KvUnavailableError {
  return (
    typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'KV_UNAVAILABLE'
  );
}

/** Validates a TTL: a positive, finite number of ms, rounded up to whole ms (Redis PX takes integers). */
export function normalizeTtl(ttlMs: number): number;
export function normalizeTtl(ttlMs: number | undefined): number | undefined;
export function normalizeTtl(ttlMs: number | undefined): number | undefined {
  if (ttlMs === undefined) return undefined;
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive number of milliseconds, got ${String(ttlMs)}`);
  }
  return Math.ceil(ttlMs);
}

/** Where connection state changes go (a Nest `Logger` fits). */
export interface KvLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const consoleKvLogger: KvLogger = {
  log: (message) => void process.stdout.write(`[kv] ${message}\n`),
  warn: (message) => console.warn(`[kv] ${message}`),
  error: (message) => console.error(`[kv] ${message}`),
};
