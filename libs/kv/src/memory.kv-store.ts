import { KvUnavailableError, normalizeTtl, type KvStore } from './kv.store';

interface Entry {
  value: string;
  /** Absolute expiry on the backing's clock; undefined: never. */
  expiresAt: number | undefined;
  /** A set's members with the absolute expiry of each (a Redis sorted set by expiry). */
  members?: Map<string, number>;
}

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

const DEFAULT_SWEEP_INTERVAL_MS = 30_000;

/**
 * The map behind one or more memory stores, with its clock. Expired entries are dropped when read
 * and by a periodic sweep, so keys nobody reads again (abandoned codes, old counters) do not pile
 * up. The sweep timer is unref'd: it never keeps the process alive.
 */
export class MemoryKvBacking {
  private readonly entries = new Map<string, Entry>();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    readonly now: () => number = Date.now,
    sweepIntervalMs = DEFAULT_SWEEP_INTERVAL_MS,
  ) {
    if (sweepIntervalMs > 0) {
      this.timer = setInterval(() => this.sweep(), sweepIntervalMs);
      this.timer.unref();
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** The live entry, dropping it if it has expired. */
  read(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt !== undefined && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  write(key: string, value: string, ttlMs: number | undefined): void {
    this.entries.set(key, {
      value,
      expiresAt: ttlMs === undefined ? undefined : this.now() + ttlMs,
    });
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  /** Drops every expired entry; returns how many. */
  sweep(): number {
    const now = this.now();
    let dropped = 0;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) {
        this.entries.delete(key);
        dropped += 1;
      }
    }
    return dropped;
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.entries.clear();
  }
}

export interface MemoryKvStoreOptions {
  /** Namespace prepended to every key. */
  prefix?: string;
  /** Clock for expiry (tests move it instead of waiting). Ignored with `backing`. */
  now?: () => number;
  /** Ignored with `backing`. 0 disables the sweep. */
  sweepIntervalMs?: number;
  /** Share a map with other stores (embedded mode); by default the store has its own. */
  backing?: MemoryKvBacking;
  /** Called once by `close()` instead of disposing a shared backing. */
  onClose?: () => void;
}

/**
 * In-process {@link KvStore}. Every operation completes synchronously inside its promise, so each
 * is atomic with respect to the others, as the Redis commands and scripts are.
 */
export class MemoryKvStore implements KvStore {
  private readonly backing: MemoryKvBacking;
  private readonly ownsBacking: boolean;
  private readonly prefix: string;
  private closed = false;

  constructor(private readonly options: MemoryKvStoreOptions = {}) {
    this.prefix = options.prefix ?? '';
    this.ownsBacking = options.backing === undefined;
    this.backing = options.backing ?? new MemoryKvBacking(options.now, options.sweepIntervalMs);
  }

  async get(key: string): Promise<string | null> {
    return this.readString(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    const ttl = normalizeTtl(ttlMs);
    this.open().write(this.key(key), value, ttl);
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const ttl = normalizeTtl(ttlMs);
    const backing = this.open();
    if (backing.read(this.key(key))) return false;
    backing.write(this.key(key), value, ttl);
    return true;
  }

  async getDel(key: string): Promise<string | null> {
    const backing = this.open();
    const entry = this.readString(key);
    if (!entry) return null;
    backing.delete(this.key(key));
    return entry.value;
  }

  async del(key: string): Promise<boolean> {
    const backing = this.open();
    const existed = backing.read(this.key(key)) !== undefined;
    backing.delete(this.key(key));
    return existed;
  }

  async compareAndSet(
    key: string,
    expected: string | null,
    next: string,
    ttlMs?: number,
  ): Promise<boolean> {
    const ttl = normalizeTtl(ttlMs);
    const backing = this.open();
    const current = this.readString(key);
    if ((current?.value ?? null) !== expected) return false;
    if (ttl === undefined && current) {
      current.value = next; // keeps its expiry, like SET ... KEEPTTL
    } else {
      backing.write(this.key(key), next, ttl);
    }
    return true;
  }

  async incr(key: string, ttlMs: number): Promise<number> {
    const ttl = normalizeTtl(ttlMs);
    const backing = this.open();
    const current = this.readString(key);
    if (!current) {
      backing.write(this.key(key), '1', ttl);
      return 1;
    }
    if (!/^-?\d+$/.test(current.value))
      throw new Error('ERR value is not an integer or out of range');
    const next = Number(current.value) + 1;
    current.value = String(next);
    if (current.expiresAt === undefined) current.expiresAt = backing.now() + ttl; // as the Lua script heals
    return next;
  }

  async decr(key: string): Promise<number | null> {
    const current = this.readString(key);
    if (!current) return null;
    if (!/^-?\d+$/.test(current.value))
      throw new Error('ERR value is not an integer or out of range');
    const next = Math.max(0, Number(current.value) - 1);
    current.value = String(next);
    return next;
  }

  async setAdd(key: string, member: string, memberTtlMs: number): Promise<void> {
    const ttl = normalizeTtl(memberTtlMs);
    const backing = this.open();
    const now = backing.now();
    let entry = this.readSet(key);
    if (!entry) {
      backing.write(this.key(key), '', ttl);
      entry = backing.read(this.key(key))!;
      entry.members = new Map();
    }
    const members = entry.members!;
    members.set(member, now + ttl);
    for (const [m, expiresAt] of members) if (expiresAt <= now) members.delete(m);
    entry.expiresAt = Math.max(...members.values());
  }

  async setRemove(key: string, member: string): Promise<boolean> {
    const entry = this.readSet(key);
    if (!entry?.members!.delete(member)) return false;
    if (entry.members!.size === 0) this.backing.delete(this.key(key));
    return true;
  }

  async setMembers(key: string): Promise<string[]> {
    return this.liveMembers(key);
  }

  async setTake(key: string): Promise<string[]> {
    // No await between reading and deleting: that is what makes it atomic here.
    const members = this.liveMembers(key);
    this.backing.delete(this.key(key));
    return members;
  }

  private liveMembers(key: string): string[] {
    const entry = this.readSet(key);
    if (!entry) return [];
    const now = this.backing.now();
    return [...entry.members!]
      .filter(([, expiresAt]) => expiresAt > now)
      .sort(([, a], [, b]) => a - b)
      .map(([member]) => member);
  }

  async ttl(key: string): Promise<number | null> {
    const entry = this.open().read(this.key(key));
    if (!entry) return null;
    return entry.expiresAt === undefined ? Infinity : entry.expiresAt - this.backing.now();
  }

  async ping(): Promise<number> {
    this.open();
    return 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsBacking) this.backing.dispose();
    this.options.onClose?.();
  }

  /** Nest calls this on shutdown when the store is a provider's value. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  private open(): MemoryKvBacking {
    if (this.closed) throw new KvUnavailableError('key-value store closed');
    return this.backing;
  }

  /** The live entry if it holds a string, as Redis answers WRONGTYPE for a set. */
  private readString(key: string): Entry | undefined {
    const entry = this.open().read(this.key(key));
    if (entry?.members) throw new Error(WRONGTYPE);
    return entry;
  }

  private readSet(key: string): Entry | undefined {
    const entry = this.open().read(this.key(key));
    if (entry && !entry.members) throw new Error(WRONGTYPE);
    return entry;
  }

  private key(key: string): string {
    return this.prefix + key;
  }
}
