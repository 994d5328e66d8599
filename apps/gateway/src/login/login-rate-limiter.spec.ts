import { MemoryKvStore } from '@latchkey/kv';
import { LOGIN_LIMITS, LoginRateLimiter } from './login-rate-limiter';

describe('LoginRateLimiter', () => {
  let now: number;
  let kv: MemoryKvStore;
  let limiter: LoginRateLimiter;

  beforeEach(() => {
    now = 1_700_000_000_000;
    kv = new MemoryKvStore({ now: () => now, sweepIntervalMs: 0 });
    limiter = new LoginRateLimiter(kv);
  });

  afterEach(() => kv.close());

  async function attempt(times: number, username: string, ip: string) {
    for (let i = 0; i < times; i++) {
      expect(await limiter.reserve(username, ip)).toBeUndefined();
    }
  }

  it('lets 5 attempts on an account through, refuses the 6th with Retry-After until the window ends', async () => {
    await attempt(LOGIN_LIMITS.account.maxFailures - 1, 'alice', '10.0.0.1');
    await attempt(1, 'alice', '10.0.0.2');
    now += 60_000;
    expect(await limiter.reserve('alice', '10.0.0.3')).toEqual({
      limit: 'account',
      retryAfterSeconds: 14 * 60,
    });
    // Another account from the same address is still fine.
    expect(await limiter.reserve('bob', '10.0.0.1')).toBeUndefined();
  });

  it('reserves atomically: of 50 parallel attempts on one account exactly 5 get through', async () => {
    const verdicts = await Promise.all(
      Array.from({ length: 50 }, (_, i) => limiter.reserve('alice', `10.0.1.${i}`)),
    );
    expect(verdicts.filter((v) => v === undefined)).toHaveLength(LOGIN_LIMITS.account.maxFailures);
    expect(verdicts.filter((v) => v?.limit === 'account')).toHaveLength(
      50 - LOGIN_LIMITS.account.maxFailures,
    );
  });

  it('counts the username case- and width-insensitively', async () => {
    await attempt(3, 'Alice', '10.0.0.1');
    await attempt(2, 'ａｌｉｃｅ', '10.0.0.1');
    expect(await limiter.reserve('alice', '10.0.0.9')).toMatchObject({ limit: 'account' });
  });

  it('opens again when the window has passed', async () => {
    await attempt(LOGIN_LIMITS.account.maxFailures, 'alice', '10.0.0.1');
    expect(await limiter.reserve('alice', '10.0.0.1')).toBeDefined();
    now += LOGIN_LIMITS.account.windowMs;
    expect(await limiter.reserve('alice', '10.0.0.1')).toBeUndefined();
  });

  it('refuses an address after 20 attempts across accounts, without counting against the account', async () => {
    for (let i = 0; i < LOGIN_LIMITS.ip.maxFailures; i++) await attempt(1, `user-${i}`, '10.0.0.1');
    for (let i = 0; i < LOGIN_LIMITS.account.maxFailures + 1; i++) {
      expect(await limiter.reserve('victim', '10.0.0.1')).toMatchObject({ limit: 'ip' });
    }
    expect(await limiter.reserve('victim', '10.0.0.2')).toBeUndefined();
  });

  it('a correct password clears the account count and gives the address its attempt back', async () => {
    await attempt(4, 'alice', '10.0.0.1');
    await attempt(1, 'alice', '10.0.0.1');
    await limiter.recordSuccess('alice', '10.0.0.1');
    await attempt(LOGIN_LIMITS.account.maxFailures, 'alice', '10.0.0.1');
    // 4 failures and 5 since: 9 on the address, the success not among them.
    expect(await kv.get('gateway:login-failures:ip:10.0.0.1')).toBe('9');
  });

  it('an attempt whose password could not be checked is given back, earlier failures kept', async () => {
    await attempt(3, 'alice', '10.0.0.1');
    await attempt(1, 'alice', '10.0.0.1');
    await limiter.release('alice', '10.0.0.1');
    expect(await kv.get('gateway:login-failures:ip:10.0.0.1')).toBe('3');
    expect(await limiter.reserve('alice', '10.0.0.1')).toBeUndefined();
    expect(await limiter.reserve('alice', '10.0.0.1')).toBeUndefined();
    expect(await limiter.reserve('alice', '10.0.0.1')).toMatchObject({ limit: 'account' });
  });

  it('a success never opens a new window on an address', async () => {
    await limiter.recordSuccess('alice', '10.0.0.1');
    expect(await kv.get('gateway:login-failures:ip:10.0.0.1')).toBeNull();
  });

  it('never stores the username itself', async () => {
    await attempt(1, 'alice', '10.0.0.1');
    expect(await kv.get('gateway:login-failures:ip:10.0.0.1')).toBe('1');
    expect(await kv.get('gateway:login-failures:account:alice')).toBeNull();
  });
});
