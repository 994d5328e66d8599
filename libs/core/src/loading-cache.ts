export interface LoadingCacheOptions<V> {
  /** Fetches the value of a key that is not cached (or no longer fresh). */
  load: (key: string) => Promise<V>;
  /** How long a loaded value stays fresh, in ms (negative answers usually get less). */
  ttlMs: (value: V) => number;
  /** Beyond this many entries the oldest is dropped (keys may be attacker-chosen). */
  maxEntries: number;
  now: () => number;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
}

/**
 * A read-through cache for records another service owns. Concurrent misses of one key share a
 * single load; a failed load is not cached (every waiter sees the failure, the next call retries).
 * `invalidate` drops the entry and disowns any load in flight, so an answer fetched before a
 * change event can never be stored after it.
 */
export class LoadingCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly pending = new Map<string, Promise<V>>();

  constructor(private readonly options: LoadingCacheOptions<V>) {}

  get(key: string): Promise<V> {
    const entry = this.entries.get(key);
    if (entry) {
      if (entry.expiresAt > this.options.now()) return Promise.resolve(entry.value);
      this.entries.delete(key);
    }
    return this.pending.get(key) ?? this.startLoad(key);
  }

  invalidate(key: string): void {
    this.entries.delete(key);
    this.pending.delete(key);
  }

  invalidateAll(): void {
    this.entries.clear();
    this.pending.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private startLoad(key: string): Promise<V> {
    const load: Promise<V> = this.options.load(key).then(
      (value) => {
        if (this.pending.get(key) === load) {
          this.pending.delete(key);
          this.store(key, value);
        }
        return value;
      },
      (err: unknown) => {
        if (this.pending.get(key) === load) this.pending.delete(key);
        throw err;
      },
    );
    this.pending.set(key, load);
    return load;
  }

  private store(key: string, value: V): void {
    const ttl = this.options.ttlMs(value);
    if (!(ttl > 0)) return;
    // Re-inserting keeps the map in age order, so the first key is always the oldest.
    this.entries.delete(key);
    while (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expiresAt: this.options.now() + ttl });
  }
}
