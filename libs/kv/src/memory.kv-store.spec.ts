import { kvStoreContract } from './fixtures/kv-store.contract';
import { createKvStore } from './kv.factory';
import { MemoryKvBacking, MemoryKvStore } from './memory.kv-store';

describe('MemoryKvStore: the KV contract', () => {
  kvStoreContract(() => {
    let now = 1_700_000_000_000;
    const backing = new MemoryKvBacking(() => now, 0);
    return {
      create: (prefix) => new MemoryKvStore({ prefix, backing }),
      elapse: async (ms) => {
        now += ms;
      },
      shortTtlMs: 60_000,
    };
  });
});

describe('MemoryKvStore', () => {
  it('expires on the injected clock, to the millisecond', async () => {
    let now = 0;
    const kv = new MemoryKvStore({ now: () => now, sweepIntervalMs: 0 });
    await kv.set('code', 'c', 60_000);
    now = 59_999;
    expect(await kv.get('code')).toBe('c');
    expect(await kv.ttl('code')).toBe(1);
    now = 60_000;
    expect(await kv.get('code')).toBeNull();
    await kv.close();
  });

  it('drops expired entries nobody reads again, by a sweep', async () => {
    let now = 0;
    const backing = new MemoryKvBacking(() => now, 0);
    const kv = new MemoryKvStore({ backing });
    for (let i = 0; i < 100; i++) await kv.set(`abandoned-${i}`, 'x', 1_000);
    await kv.set('kept', 'x');
    expect(backing.size).toBe(101);
    now = 1_000;
    expect(backing.sweep()).toBe(100);
    expect(backing.size).toBe(1);
    await kv.close();
  });

  it('sweeps periodically on its own timer', async () => {
    let now = 0;
    const backing = new MemoryKvBacking(() => now, 5);
    const kv = new MemoryKvStore({ backing });
    await kv.set('k', 'v', 10);
    now = 10;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(backing.size).toBe(0);
    backing.dispose();
  });

  it('rounds fractional TTLs up to whole milliseconds', async () => {
    let now = 0;
    const kv = new MemoryKvStore({ now: () => now, sweepIntervalMs: 0 });
    await kv.set('k', 'v', 0.2);
    expect(await kv.ttl('k')).toBe(1);
    now = 1;
    expect(await kv.get('k')).toBeNull();
    await kv.close();
  });
});

describe('createKvStore without a Redis URL', () => {
  it('shares one process-wide memory store between services', async () => {
    const token = createKvStore({ prefix: 'latchkey:' });
    const gateway = createKvStore({ prefix: 'latchkey:' });
    const audit = createKvStore({ prefix: 'audit:' });
    await token.set('code:abc', '{"sub":"u1"}', 60_000);
    expect(await gateway.getDel('code:abc')).toBe('{"sub":"u1"}');
    expect(await token.get('code:abc')).toBeNull();
    await token.set('x', '1');
    expect(await audit.get('x')).toBeNull();
    // Closing one service's store leaves the others working.
    await token.close();
    expect(await gateway.get('x')).toBe('1');
    await gateway.close();
    await audit.close();
    // The last close empties it: a new process-wide store starts clean.
    const fresh = createKvStore({ prefix: 'latchkey:' });
    expect(await fresh.get('x')).toBeNull();
    await fresh.close();
  });

  it('refuses a second, different clock for the shared store', async () => {
    const first = createKvStore({ prefix: 'a:', now: () => 0 });
    expect(() => createKvStore({ prefix: 'b:', now: () => 1 })).toThrow(/another clock/);
    await first.close();
  });
});
