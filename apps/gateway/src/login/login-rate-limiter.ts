import { Inject, Injectable } from '@nestjs/common';
import { KV_TOKEN, type KvStore } from '@latchkey/kv';
import { sha256Base64Url } from '@latchkey/oauth';
import { TooManyRequests } from '../errors/edge-errors';
import { usernameKey } from '../users/username';

export interface LoginLimit {
  /** Failures allowed within the window; the next attempt is refused until the window ends. */
  maxFailures: number;
  windowMs: number;
}

/**
 * Online guessing limits (NIST SP 800-63B §5.2.2): per account, so one account cannot be
 * brute-forced from many addresses, and per address, so one address cannot spray many accounts.
 */
export const LOGIN_LIMITS: Readonly<Record<'account' | 'ip', LoginLimit>> = {
  account: { maxFailures: 5, windowMs: 15 * 60_000 },
  ip: { maxFailures: 20, windowMs: 15 * 60_000 },
};

/**
 * Failed sign-ins counted in the KV store (fixed windows: the first failure opens one, INCR
 * counts, the key expires with the window), so every gateway replica sees the same counts.
 * Counters are keyed by the hash of the normalised username (the store never holds usernames
 * that may be mistyped passwords) and by the client address.
 */
@Injectable()
export class LoginRateLimiter {
  constructor(@Inject(KV_TOKEN) private readonly kv: KvStore) {}

  /** Refuses (429 with Retry-After) while either counter is at its limit. */
  async check(username: string, ip: string | undefined): Promise<void> {
    for (const [key, limit] of this.counters(username, ip)) {
      const count = Number((await this.kv.get(key)) ?? '0');
      if (count >= limit.maxFailures) {
        const ttl = await this.kv.ttl(key);
        const retryAfter = ttl === null || !Number.isFinite(ttl) ? limit.windowMs : ttl;
        throw new TooManyRequests(
          Math.max(1, Math.ceil(retryAfter / 1000)),
          'too many failed sign-in attempts; try again later',
        );
      }
    }
  }

  async recordFailure(username: string, ip: string | undefined): Promise<void> {
    for (const [key, limit] of this.counters(username, ip)) {
      await this.kv.incr(key, limit.windowMs);
    }
  }

  /** A correct password clears the account's count (not the address's: it may be spraying). */
  async recordSuccess(username: string): Promise<void> {
    await this.kv.del(accountKey(username));
  }

  private counters(username: string, ip: string | undefined): [string, LoginLimit][] {
    const counters: [string, LoginLimit][] = [[accountKey(username), LOGIN_LIMITS.account]];
    if (ip) counters.push([`gateway:login-failures:ip:${ip}`, LOGIN_LIMITS.ip]);
    return counters;
  }
}

function accountKey(username: string): string {
  return `gateway:login-failures:account:${sha256Base64Url(usernameKey(username))}`;
}
