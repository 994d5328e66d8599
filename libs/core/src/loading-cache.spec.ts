import { LoadingCache } from './loading-cache';

/** A load whose completion the test controls. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('LoadingCache', () => {
  let now: number;
  let loads: string[];

  const cache = (load: (key: string) => Promise<string | null>, maxEntries = 100) =>
    new LoadingCache<string | null>({
      load: (key) => {
        loads.push(key);
        return load(key);
      },
      ttlMs: (value) => (value === null ? 1_000 : 60_000),
      maxEntries,
      now: () => now,
    });

  beforeEach(() => {
    now = 1_000_000;
    loads = [];
  });

  it('loads once and answers from memory until the TTL passes', async () => {
    const c = cache(async (key) => `value of ${key}`);
    expect(await c.get('a')).toBe('value of a');
    now += 59_999;
    expect(await c.get('a')).toBe('value of a');
    expect(loads).toEqual(['a']);
    now += 1;
    expect(await c.get('a')).toBe('value of a');
    expect(loads).toEqual(['a', 'a']);
  });

  it('keeps negative answers for their shorter TTL', async () => {
    const c = cache(async () => null);
    expect(await c.get('ghost')).toBeNull();
    now += 999;
    expect(await c.get('ghost')).toBeNull();
    expect(loads).toHaveLength(1);
    now += 1;
    await c.get('ghost');
    expect(loads).toHaveLength(2);
  });

  it('shares one load between concurrent misses of a key', async () => {
    const pending = deferred<string>();
    const c = cache(() => pending.promise);
    const answers = Promise.all([c.get('a'), c.get('a'), c.get('a')]);
    pending.resolve('shared');
    expect(await answers).toEqual(['shared', 'shared', 'shared']);
    expect(loads).toEqual(['a']);
  });

  it('does not cache a failed load: every waiter sees the failure, the next call retries', async () => {
    let fail = true;
    const c = cache(async () => {
      if (fail) throw new Error('registry down');
      return 'recovered';
    });
    await expect(Promise.all([c.get('a'), c.get('a')])).rejects.toThrow('registry down');
    fail = false;
    expect(await c.get('a')).toBe('recovered');
    expect(loads).toEqual(['a', 'a']);
  });

  it('drops an entry on invalidate', async () => {
    let version = 1;
    const c = cache(async () => `v${version}`);
    expect(await c.get('a')).toBe('v1');
    version = 2;
    c.invalidate('a');
    expect(await c.get('a')).toBe('v2');
  });

  it('never stores an answer loaded before an invalidation', async () => {
    const first = deferred<string>();
    let calls = 0;
    const c = cache(() => (++calls === 1 ? first.promise : Promise.resolve('fresh')));
    const stale = c.get('a');
    c.invalidate('a');
    first.resolve('stale');
    expect(await stale).toBe('stale');
    expect(await c.get('a')).toBe('fresh');
    expect(await c.get('a')).toBe('fresh');
    expect(loads).toHaveLength(2);
  });

  it('invalidateAll drops every entry and disowns loads in flight', async () => {
    let version = 1;
    const c = cache(async (key) => `${key}${version}`);
    await c.get('a');
    await c.get('b');
    version = 2;
    c.invalidateAll();
    expect(c.size).toBe(0);
    expect(await c.get('a')).toBe('a2');
    expect(await c.get('b')).toBe('b2');
  });

  it('evicts the oldest entry beyond maxEntries', async () => {
    const c = cache(async (key) => key, 2);
    await c.get('a');
    await c.get('b');
    await c.get('c');
    expect(c.size).toBe(2);
    await c.get('b');
    await c.get('c');
    expect(loads).toEqual(['a', 'b', 'c']);
    await c.get('a');
    expect(loads).toEqual(['a', 'b', 'c', 'a']);
  });
});
