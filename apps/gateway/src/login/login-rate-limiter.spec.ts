import { MemoryKvStore } from '@latchkey/kv';
import { TooManyRequests } from '../errors/edge-errors';
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

  async function fail(times: number, username: string, ip: string) {
    for (let i = 0; i < times; i++) await limiter.recordFailure(username, ip);
  }

  it('refuses an account after 5 failures, with Retry-After until the window ends', async () => {
    await fail(LOGIN_LIMITS.account.maxFailures - 1, 'alice', '10.0.0.1');
    await expect(limiter.check('alice', '10.0.0.1')).resolves.toBeUndefined();
    await fail(1, 'alice', '10.0.0.2');
    now += 60_000;
    const refused = await limiter.check('alice', '10.0.0.3').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(TooManyRequests);
    expect((refused as TooManyRequests).status).toBe(429);
    expect((refused as TooManyRequests).retryAfterSeconds).toBe(14 * 60);
    // Another account from the same address is still fine.
    await expect(limiter.check('bob', '10.0.0.1')).resolves.toBeUndefined();
  });

  it('counts the username case- and width-insensitively', async () => {
    await fail(3, 'Alice', '10.0.0.1');
    await fail(2, 'ａｌｉｃｅ', '10.0.0.1');
    await expect(limiter.check('alice', '10.0.0.9')).rejects.toBeInstanceOf(TooManyRequests);
  });

  it('opens again when the window has passed', async () => {
    await fail(LOGIN_LIMITS.account.maxFailures, 'alice', '10.0.0.1');
    now += LOGIN_LIMITS.account.windowMs;
    await expect(limiter.check('alice', '10.0.0.1')).resolves.toBeUndefined();
  });

  it('refuses an address after 20 failures across accounts', async () => {
    for (let i = 0; i < LOGIN_LIMITS.ip.maxFailures; i++) {
      await limiter.recordFailure(`user-${i}`, '10.0.0.1');
    }
    await expect(limiter.check('someone-new', '10.0.0.1')).rejects.toBeInstanceOf(TooManyRequests);
    await expect(limiter.check('someone-new', '10.0.0.2')).resolves.toBeUndefined();
  });

  it('a correct password clears the account count, not the address count', async () => {
    await fail(4, 'alice', '10.0.0.1');
    await limiter.recordSuccess('alice');
    await fail(4, 'alice', '10.0.0.1');
    await expect(limiter.check('alice', '10.0.0.1')).resolves.toBeUndefined();
  });

  it('never stores the username itself', async () => {
    await fail(1, 'alice', '10.0.0.1');
    expect(await kv.get('gateway:login-failures:ip:10.0.0.1')).toBe('1');
    expect(await kv.get('gateway:login-failures:account:alice')).toBeNull();
  });
});
