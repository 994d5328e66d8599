import { Inject, Injectable } from '@nestjs/common';
import { KV_TOKEN, type KvStore } from '@latchkey/kv';
import { sha256Base64Url } from '@latchkey/oauth';
import { usernameKey } from '../users/username';

export interface LoginLimit {
  /**
   * Attempts allowed within the window (a correct password gives its attempt back, so in effect
   * failures); the next attempt is refused until the window ends.
   */
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

/** Which limit refused an attempt, and when to try again. */
export interface LoginRefusal {
  limit: keyof typeof LOGIN_LIMITS;
  retryAfterSeconds: number;
}

/**
 * Sign-in attempts counted in the KV store (fixed windows: the first attempt opens one, INCR
 * counts, the key expires with the window), so every gateway replica sees the same counts.
 *
 * An attempt is reserved by an atomic increment before its password is checked, and refused
 * when the new count is over the limit: however many attempts arrive at once, at most
 * `maxFailures` per window get as far as the password check (a read-then-check-then-count
 * limiter let every parallel attempt through). A correct password then gives its reservations
 * back (docs/architecture.md §3). Counters are keyed by the hash of the normalised username (the
 * store never holds usernames that may be mistyped passwords) and by the client address.
 */
@Injectable()
export class LoginRateLimiter {
  constructor(@Inject(KV_TOKEN) private readonly kv: KvStore) {}

  /**
   * Counts one attempt against the address, then the account; answers the refusal when either
   * is over its limit, and then the password must not be checked. The address is counted first
   * so that an address already refused adds nothing to the accounts it goes on to try.
   */
  async reserve(username: string, ip: string | undefined): Promise<LoginRefusal | undefined> {
    for (const [limit, key] of this.counters(username, ip)) {
      const { maxFailures, windowMs } = LOGIN_LIMITS[limit];
      if ((await this.kv.incr(key, windowMs)) > maxFailures) {
        const ttl = await this.kv.ttl(key);
        const retryAfterMs = ttl === null || !Number.isFinite(ttl) ? windowMs : ttl;
        return { limit, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
      }
    }
    return undefined;
  }

  /**
   * A correct password clears the account's count and gives the address back the attempt it
   * reserved (an address that sprays keeps its failures; a shared address is not held to 20
   * sign-ins).
   */
  async recordSuccess(username: string, ip: string | undefined): Promise<void> {
    await this.kv.del(accountKey(username));
    if (ip) await this.kv.decr(ipKey(ip));
  }

  /**
   * Gives back the attempt `reserve` counted, when the password could not be checked (a backend
   * outage): an outage must not count against anyone, or it would lock users out for the rest of
   * the window. The account's earlier failures stay.
   */
  async release(username: string, ip: string | undefined): Promise<void> {
    await this.kv.decr(accountKey(username));
    if (ip) await this.kv.decr(ipKey(ip));
  }

  private counters(
    username: string,
    ip: string | undefined,
  ): [keyof typeof LOGIN_LIMITS, string][] {
    const account: [keyof typeof LOGIN_LIMITS, string] = ['account', accountKey(username)];
    return ip ? [['ip', ipKey(ip)], account] : [account];
  }
}

function accountKey(username: string): string {
  return `gateway:login-failures:account:${sha256Base64Url(usernameKey(username))}`;
}

function ipKey(ip: string): string {
  return `gateway:login-failures:ip:${ip}`;
}
