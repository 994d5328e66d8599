import { Logger } from '@nestjs/common';
import { KvUnavailableError, MemoryKvStore } from '@latchkey/kv';
import { FixedClock } from '@latchkey/core';
import type { EntityManager } from 'typeorm';
import { RevokedAccessTokens } from './revoked-access-tokens';
import type {
  RevokedAccessTokenRow,
  RevokedAccessTokensRepository,
} from './revoked-access-tokens.repository';
import { DENYLIST_MARKER_KEY, RevokedAccessTokensRestorer } from './revoked-access-tokens.restorer';

describe('RevokedAccessTokensRestorer', () => {
  const clock = new FixedClock(new Date('2025-06-01T12:00:00Z'));
  const inMinutes = (minutes: number) => new Date(clock.now().getTime() + minutes * 60_000);
  let rows: RevokedAccessTokenRow[];
  let repo: Record<'transaction' | 'insert' | 'findLive' | 'deleteExpired', jest.Mock>;
  let kv: MemoryKvStore;
  let restorer: RevokedAccessTokensRestorer;

  beforeEach(() => {
    rows = [
      { jti: 'a', expiresAt: inMinutes(30) },
      { jti: 'b', expiresAt: inMinutes(5) },
    ];
    repo = {
      transaction: jest.fn((work: (em: EntityManager) => Promise<unknown>) =>
        work({} as EntityManager),
      ),
      insert: jest.fn(async () => undefined),
      findLive: jest.fn(async (_now: Date, after: string) => rows.filter((row) => row.jti > after)),
      deleteExpired: jest.fn(async () => undefined),
    };
    kv = new MemoryKvStore({ now: () => clock.now().getTime() });
    const durable = repo as unknown as RevokedAccessTokensRepository;
    restorer = new RevokedAccessTokensRestorer(
      kv,
      clock,
      durable,
      new RevokedAccessTokens(kv, clock, durable),
    );
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await kv.close();
  });

  it('rebuilds every live revocation, until its expiry, when the marker is missing', async () => {
    await restorer.check();
    expect(await kv.ttl('revoked:jti:a')).toBe(30 * 60_000);
    expect(await kv.ttl('revoked:jti:b')).toBe(5 * 60_000);
    expect(await kv.get(DENYLIST_MARKER_KEY)).not.toBeNull();
    expect(repo.deleteExpired).toHaveBeenCalledWith(clock.now());
  });

  it('reads no revocation while the marker is there; prunes at every check', async () => {
    await restorer.check();
    await kv.del('revoked:jti:a');
    await restorer.check();
    expect(repo.findLive).toHaveBeenCalledTimes(1);
    expect(repo.deleteExpired).toHaveBeenCalledTimes(2);
  });

  it('rebuilds again once the store has lost the marker', async () => {
    await restorer.check();
    await kv.del(DENYLIST_MARKER_KEY);
    await kv.del('revoked:jti:a');
    await restorer.check();
    expect(await kv.get('revoked:jti:a')).toBe('1');
  });

  it('leaves the marker out after a failed rebuild, so that the next check tries again', async () => {
    const set = jest.spyOn(kv, 'set');
    set.mockImplementation(async (key, value, ttlMs) => {
      if (key.startsWith('revoked:jti:')) throw new KvUnavailableError('down');
      await MemoryKvStore.prototype.set.call(kv, key, value, ttlMs);
    });
    await expect(restorer.check()).resolves.toBeUndefined();
    expect(await kv.get(DENYLIST_MARKER_KEY)).toBeNull();
    set.mockRestore();
    await restorer.check();
    expect(await kv.get('revoked:jti:b')).toBe('1');
  });
});
