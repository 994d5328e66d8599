import { randomBytes } from 'node:crypto';
import { RedisKvStore } from '@latchkey/kv';
import Redis from 'ioredis';
import { describeWithBackends, TEST_BACKENDS } from '@latchkey/testing';
import { SessionsRepository } from '../session/sessions.repository';
import { SESSION_ABSOLUTE_LIFETIME_MS, type SsoSession } from '../session/sso-session';
import { LOGIN_LIMITS, LoginRateLimiter } from './login-rate-limiter';

jest.setTimeout(30_000);

const quiet = { log: () => {}, warn: () => {}, error: () => {} };

describeWithBackends(['redis'], 'login limits and session index on a real Redis', () => {
  let kv: RedisKvStore;
  let prefix: string;

  beforeEach(() => {
    // A namespace of its own per test: nothing shared with other tests or runs.
    prefix = `latchkey-test:${randomBytes(6).toString('hex')}:`;
    kv = new RedisKvStore({ url: TEST_BACKENDS.redis, prefix, logger: quiet });
  });

  afterEach(async () => {
    await kv.close();
    const admin = new Redis(TEST_BACKENDS.redis, { maxRetriesPerRequest: 0 });
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  it('of 50 parallel attempts on one account, exactly the limit get through', async () => {
    const limiter = new LoginRateLimiter(kv);
    const verdicts = await Promise.all(
      Array.from({ length: 50 }, (_, i) => limiter.reserve('alice', `10.0.2.${i}`)),
    );
    const limit = LOGIN_LIMITS.account.maxFailures;
    expect(verdicts.filter((v) => v === undefined)).toHaveLength(limit);
    const refused = verdicts.filter((v) => v !== undefined);
    expect(refused).toHaveLength(50 - limit);
    for (const r of refused) {
      expect(r).toMatchObject({ limit: 'account' });
      expect(r!.retryAfterSeconds).toBeGreaterThan(0);
      expect(r!.retryAfterSeconds).toBeLessThanOrEqual(LOGIN_LIMITS.account.windowMs / 1000);
    }
    // The lockout holds for the right password too, until the window ends.
    expect(await limiter.reserve('alice', '10.0.3.1')).toMatchObject({ limit: 'account' });
  });

  it('a correct password clears the account and gives the address its attempt back', async () => {
    const limiter = new LoginRateLimiter(kv);
    for (let i = 0; i < 3; i++) expect(await limiter.reserve('bob', '10.0.4.1')).toBeUndefined();
    await limiter.recordSuccess('bob', '10.0.4.1');
    expect(await kv.get('gateway:login-failures:ip:10.0.4.1')).toBe('2');
    for (let i = 0; i < LOGIN_LIMITS.account.maxFailures; i++) {
      expect(await limiter.reserve('bob', '10.0.4.1')).toBeUndefined();
    }
  });

  it('indexes 32 concurrent sessions of one user, and takes them all', async () => {
    const sessions = new SessionsRepository(kv);
    const now = Date.now();
    const keys = Array.from({ length: 32 }, (_, i) => `key-${i}`);
    await Promise.all(
      keys.map((key, i) => {
        const session: SsoSession = {
          sid: `sid-${i}`,
          sub: 'carol',
          auth_time: Math.floor(now / 1000),
          amr: ['pwd'],
          created_at: now,
          last_active: now,
        };
        return sessions.create(key, session, SESSION_ABSOLUTE_LIFETIME_MS);
      }),
    );
    expect((await sessions.listOf('carol')).map((s) => s.key).sort()).toEqual([...keys].sort());
    await sessions.delete('key-0', 'carol');
    expect(await sessions.listOf('carol')).toHaveLength(31);
    expect(await sessions.deleteAllOf('carol')).toBe(31);
    expect(await sessions.listOf('carol')).toEqual([]);
    for (const key of keys) expect(await sessions.find(key)).toBeNull();
  });
});
