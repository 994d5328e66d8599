import { sha256Base64Url } from '@latchkey/oauth';
import type { GrantEntity } from './grant.entity';
import {
  idleExpiry,
  isPlausibleRefreshToken,
  judgeRefreshToken,
  mintRefreshToken,
  refreshTokenHash,
  successorRefreshToken,
} from './refresh-token';
import type { RefreshTokenEntity } from './refresh-token.entity';

const NOW = new Date('2025-06-01T12:00:00Z');
const DAY = 24 * 3600 * 1000;

function grant(overrides: Partial<GrantEntity> = {}): GrantEntity {
  return {
    id: '6f1c2a52-8f43-4a55-9c1e-0f0f3b1d9a10',
    clientId: 'web-app',
    sub: 'user-1',
    scope: 'openid offline_access',
    sid: 'sid-1',
    authTime: NOW,
    amr: null,
    acr: null,
    idp: null,
    resource: null,
    claimsRequest: null,
    createdAt: NOW,
    revokedAt: null,
    revokedReason: null,
    ...overrides,
  };
}

function token(overrides: Partial<RefreshTokenEntity> = {}): RefreshTokenEntity {
  return {
    hash: 'h',
    grantId: grant().id,
    parentHash: null,
    createdAt: NOW,
    expiresAt: new Date(NOW.getTime() + 30 * DAY),
    idleExpiresAt: new Date(NOW.getTime() + 14 * DAY),
    usedAt: null,
    successorHash: null,
    revokedAt: null,
    ...overrides,
  };
}

describe('refresh tokens', () => {
  it('are 256-bit random values stored as their SHA-256', () => {
    const minted = mintRefreshToken();
    expect(minted.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(minted.token, 'base64url')).toHaveLength(32);
    expect(minted.hash).toBe(sha256Base64Url(minted.token));
    expect(refreshTokenHash(minted.token)).toBe(minted.hash);
    expect(mintRefreshToken().token).not.toBe(minted.token);
  });

  it('are looked up only when plausible', () => {
    expect(isPlausibleRefreshToken(mintRefreshToken().token)).toBe(true);
    expect(isPlausibleRefreshToken('')).toBe(false);
    expect(isPlausibleRefreshToken('x'.repeat(257))).toBe(false);
  });

  describe('idleExpiry', () => {
    it('is 14 days after issue by default', () => {
      expect(idleExpiry(NOW, new Date(NOW.getTime() + 30 * DAY))).toEqual(
        new Date(NOW.getTime() + 14 * DAY),
      );
    });

    it('never outlives the family', () => {
      const end = new Date(NOW.getTime() + 3 * DAY);
      expect(idleExpiry(NOW, end)).toEqual(end);
      expect(idleExpiry(NOW, new Date(NOW.getTime() + 30 * DAY), 60)).toEqual(
        new Date(NOW.getTime() + 60_000),
      );
    });
  });

  describe('judgeRefreshToken', () => {
    const judge = (t: Partial<RefreshTokenEntity>, g: Partial<GrantEntity> = {}, at = NOW) =>
      judgeRefreshToken(token(t), grant(g), 'web-app', at);

    it('finds a fresh token of the client usable', () => {
      expect(judge({})).toEqual({ kind: 'usable' });
    });

    it('refuses the token of another client without calling it reuse', () => {
      expect(judgeRefreshToken(token({ usedAt: NOW }), grant(), 'other-app', NOW)).toEqual({
        kind: 'invalid',
        reason: 'the refresh token was issued to another client',
      });
    });

    it('refuses a token of a revoked grant, or a revoked token', () => {
      expect(judge({}, { revokedAt: NOW }).kind).toBe('invalid');
      expect(judge({ revokedAt: NOW }).kind).toBe('invalid');
      // Revocation wins over reuse: a revoked family is not revoked again.
      expect(judge({ usedAt: NOW }, { revokedAt: NOW }).kind).toBe('invalid');
    });

    it('calls a used token reuse, even once expired', () => {
      expect(judge({ usedAt: NOW })).toEqual({ kind: 'reused' });
      expect(judge({ usedAt: NOW }, {}, new Date(NOW.getTime() + 40 * DAY))).toEqual({
        kind: 'reused',
      });
    });

    it('refuses a token at its idle expiry, and at its absolute expiry', () => {
      expect(judge({}, {}, new Date(NOW.getTime() + 14 * DAY - 1)).kind).toBe('usable');
      expect(judge({}, {}, new Date(NOW.getTime() + 14 * DAY))).toEqual({
        kind: 'invalid',
        reason: 'the refresh token has expired (unused for too long)',
      });
      expect(
        judge(
          { idleExpiresAt: new Date(NOW.getTime() + 40 * DAY) },
          {},
          new Date(NOW.getTime() + 30 * DAY),
        ),
      ).toEqual({ kind: 'invalid', reason: 'the refresh token has expired' });
    });
  });

  describe('successorRefreshToken', () => {
    const key = Buffer.alloc(32, 7);

    it('is a 256-bit token, the same for the same token and key, another for another', () => {
      const presented = mintRefreshToken().token;
      const successor = successorRefreshToken(presented, key);
      expect(successor.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(successor.hash).toBe(refreshTokenHash(successor.token));
      expect(successorRefreshToken(presented, key)).toEqual(successor);
      expect(successorRefreshToken(presented, Buffer.alloc(32, 8)).token).not.toBe(successor.token);
      expect(successorRefreshToken(mintRefreshToken().token, key).token).not.toBe(successor.token);
      expect(successor.token).not.toBe(presented);
    });
  });

  describe('a rotated token presented again', () => {
    const WINDOW = 10;
    const rotatedAt = NOW;
    const successor = (overrides: Partial<RefreshTokenEntity> = {}) =>
      token({ hash: 'next', parentHash: 'h', createdAt: rotatedAt, ...overrides });
    const judgeAt = (
      at: Date,
      next: RefreshTokenEntity | null = successor(),
      reuseWindowSeconds = WINDOW,
    ) =>
      judgeRefreshToken(
        token({ usedAt: rotatedAt, successorHash: 'next' }),
        grant(),
        'web-app',
        at,
        {
          successor: next,
          reuseWindowSeconds,
        },
      );
    const after = (ms: number) => new Date(rotatedAt.getTime() + ms);

    it('within the window, its successor unused, is a retry answered that successor', () => {
      expect(judgeAt(after(0))).toEqual({ kind: 'retried', successorHash: 'next' });
      expect(judgeAt(after(WINDOW * 1000))).toEqual({ kind: 'retried', successorHash: 'next' });
      // Began before the rotation it queued behind: concurrent with it.
      expect(judgeAt(after(-500))).toEqual({ kind: 'retried', successorHash: 'next' });
    });

    it('after the window is reuse', () => {
      expect(judgeAt(after(WINDOW * 1000 + 1))).toEqual({ kind: 'reused' });
    });

    it('is always reuse with a window of 0, or when its successor is unknown', () => {
      expect(judgeAt(after(0), successor(), 0)).toEqual({ kind: 'reused' });
      expect(judgeAt(after(-500), successor(), 0)).toEqual({ kind: 'reused' });
      expect(judgeAt(after(0), null)).toEqual({ kind: 'reused' });
    });

    it('whose successor was rotated again is reuse (an older generation), inside the window too', () => {
      expect(judgeAt(after(2000), successor({ usedAt: after(1000) }))).toEqual({
        kind: 'reused',
      });
    });

    it('handled after its successor was rotated, but begun before, is refused without reuse', () => {
      expect(judgeAt(after(1000), successor({ usedAt: after(2000) }))).toEqual({
        kind: 'invalid',
        reason: 'a late duplicate of a refresh whose successor has been rotated since',
      });
    });

    it('of another client, or of a revoked grant, is refused whatever the window', () => {
      expect(
        judgeRefreshToken(token({ usedAt: rotatedAt }), grant(), 'other-app', rotatedAt, {
          successor: successor(),
          reuseWindowSeconds: WINDOW,
        }).kind,
      ).toBe('invalid');
      expect(
        judgeRefreshToken(
          token({ usedAt: rotatedAt }),
          grant({ revokedAt: rotatedAt }),
          'web-app',
          rotatedAt,
          { successor: successor(), reuseWindowSeconds: WINDOW },
        ).kind,
      ).toBe('invalid');
    });
  });
});
