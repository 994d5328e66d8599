import { randomBytes } from 'node:crypto';
import { describeWithBackends, TEST_BACKENDS } from '@latchkey/testing';
import Redis from 'ioredis';
import { kvStoreContract } from './fixtures/kv-store.contract';
import { TcpProxy } from './fixtures/tcp.proxy';
import { createKvStore } from './kv.factory';
import { isKvUnavailable, KvUnavailableError, type KvLogger } from './kv.store';
import { RedisKvStore } from './redis.kv-store';

jest.setTimeout(30_000);

const REDIS_URL = TEST_BACKENDS.redis;

/** Every key of this run lives under this prefix and is deleted afterwards. */
const RUN_PREFIX = `latchkey-test:${randomBytes(6).toString('hex')}:`;
const quiet: KvLogger = { log: () => {}, warn: () => {}, error: () => {} };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describeWithBackends(['redis'], 'RedisKvStore on a real Redis', () => {
  let admin: Redis;

  beforeAll(async () => {
    admin = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await admin.connect(); // fails the suite if Redis went away after the probe
  });

  afterAll(async () => {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${RUN_PREFIX}*`, 'COUNT', 500);
      if (keys.length > 0) await admin.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    expect(await admin.keys(`${RUN_PREFIX}*`)).toEqual([]);
    await admin.quit();
  });

  describe('the KV contract', () => {
    let run = 0;
    kvStoreContract(() => {
      // A fresh namespace per test, so tests cannot see each other's keys.
      const namespace = `${RUN_PREFIX}${(run += 1)}:`;
      return {
        create: (prefix) =>
          new RedisKvStore({ url: REDIS_URL, prefix: namespace + prefix, logger: quiet }),
        elapse: (ms) => sleep(ms),
        shortTtlMs: 150,
      };
    });
  });

  it('is what createKvStore returns for a Redis URL, with keys under its prefix', async () => {
    const kv = createKvStore({
      redisUrl: REDIS_URL,
      prefix: `${RUN_PREFIX}factory:`,
      logger: quiet,
    });
    try {
      expect(kv).toBeInstanceOf(RedisKvStore);
      await kv.set('code', 'c', 10_000);
      expect(await admin.get(`${RUN_PREFIX}factory:code`)).toBe('c');
      expect(await admin.pttl(`${RUN_PREFIX}factory:code`)).toBeGreaterThan(9_000);
    } finally {
      await kv.close();
    }
  });

  it('GETDEL across two clients: 50 parallel redemptions, one winner', async () => {
    const a = new RedisKvStore({ url: REDIS_URL, prefix: `${RUN_PREFIX}race:`, logger: quiet });
    const b = new RedisKvStore({ url: REDIS_URL, prefix: `${RUN_PREFIX}race:`, logger: quiet });
    try {
      await a.set('code', 'once', 10_000);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).getDel('code')),
      );
      expect(results.filter((r) => r !== null)).toEqual(['once']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('surfaces a Redis error reply as itself, not as unavailable', async () => {
    const kv = new RedisKvStore({
      url: REDIS_URL,
      prefix: `${RUN_PREFIX}wrongtype:`,
      logger: quiet,
    });
    try {
      await admin.lpush(`${RUN_PREFIX}wrongtype:list`, 'x');
      const err = await kv.get('list').catch((e: unknown) => e);
      expect(String(err)).toMatch(/WRONGTYPE/);
      expect(isKvUnavailable(err)).toBe(false);
    } finally {
      await kv.close();
    }
  });

  it('rejects quickly while Redis is down and recovers by itself when it returns', async () => {
    const proxy = new TcpProxy('127.0.0.1', Number(new URL(REDIS_URL).port || 6379));
    await proxy.start();
    const warnings: string[] = [];
    const logs: string[] = [];
    const kv = new RedisKvStore({
      url: `redis://127.0.0.1:${proxy.port}`,
      prefix: `${RUN_PREFIX}flaky:`,
      logger: {
        log: (m) => logs.push(m),
        warn: (m) => warnings.push(m),
        error: (m) => warnings.push(m),
      },
    });
    try {
      await kv.set('k', 'before');
      expect(await kv.get('k')).toBe('before');

      await proxy.stop();
      await sleep(50);
      for (const attempt of [
        () => kv.get('k'),
        () => kv.getDel('k'),
        () => kv.incr('n', 1_000),
        () => kv.ping(),
      ]) {
        const started = Date.now();
        const err = await attempt().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(KvUnavailableError);
        expect(Date.now() - started).toBeLessThan(1_500);
      }
      expect(warnings.length).toBeGreaterThanOrEqual(1);

      await proxy.start(); // same port
      const deadline = Date.now() + 10_000;
      while (kv.status !== 'ready' && Date.now() < deadline) await sleep(50);
      expect(kv.status).toBe('ready');
      expect(await kv.get('k')).toBe('before'); // not consumed by a failed getDel being resent
      expect(logs).toContain('Redis connection restored');
    } finally {
      await kv.close();
      await proxy.stop();
    }
  });
});

describe('RedisKvStore with nothing listening', () => {
  it('rejects at once with KvUnavailableError and raises no unhandled errors', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const warnings: string[] = [];
    // Port 1 (tcpmux) is closed on any machine we run on: connection refused.
    const kv = new RedisKvStore({
      url: 'redis://127.0.0.1:1',
      prefix: 'latchkey-test:nowhere:',
      logger: { log: () => {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
    });
    try {
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        const err = await kv.getDel('code').catch((e: unknown) => e);
        expect(err).toBeInstanceOf(KvUnavailableError);
        expect((err as KvUnavailableError).code).toBe('KV_UNAVAILABLE');
        expect(Date.now() - started).toBeLessThan(1_500);
        await sleep(100);
      }
      await expect(kv.set('k', 'v', 1_000)).rejects.toBeInstanceOf(KvUnavailableError);
      await expect(kv.ping()).rejects.toBeInstanceOf(KvUnavailableError);
      expect(warnings).toHaveLength(1); // one line for the outage, not one per retry
      expect(warnings[0]).toMatch(/ECONNREFUSED/);
    } finally {
      await kv.close();
      await sleep(20);
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});
