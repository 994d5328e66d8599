import { randomToken, sha256Base64Url } from '@latchkey/oauth';
import { REFRESH_TOKEN_IDLE_LIFETIME_SECONDS } from '../token.lifetimes';
import type { GrantEntity } from './grant.entity';
import type { RefreshTokenEntity } from './refresh-token.entity';

/** Ours are 43 characters; anything much longer is not worth a database lookup. */
const MAX_REFRESH_TOKEN_LENGTH = 256;

export interface MintedRefreshToken {
  /** Handed to the client once, never stored. */
  token: string;
  hash: string;
}

/** An opaque 256-bit refresh token and the hash it is stored under. */
export function mintRefreshToken(): MintedRefreshToken {
  const token = randomToken(32);
  return { token, hash: refreshTokenHash(token) };
}

export function refreshTokenHash(token: string): string {
  return sha256Base64Url(token);
}

/** Whether a presented value could be one of our refresh tokens at all (else: no lookup). */
export function isPlausibleRefreshToken(token: string): boolean {
  return token.length > 0 && token.length <= MAX_REFRESH_TOKEN_LENGTH;
}

/**
 * A token's idle expiry: `idleSeconds` after it was issued, but never past the end of the family's
 * absolute lifetime.
 */
export function idleExpiry(
  now: Date,
  familyExpiresAt: Date,
  idleSeconds = REFRESH_TOKEN_IDLE_LIFETIME_SECONDS,
): Date {
  return new Date(Math.min(now.getTime() + idleSeconds * 1000, familyExpiresAt.getTime()));
}

/** What a presented refresh token amounts to, for the client presenting it. */
export type RefreshTokenVerdict =
  | { kind: 'usable' }
  /** Rotated before: presenting it again means it leaked (RFC 9700 §4.14.2). */
  | { kind: 'reused' }
  | { kind: 'invalid'; reason: string };

/**
 * The refresh-token checks, in the order a reviewer should read them: the token belongs to the
 * authenticated client, its grant and the token itself are not revoked, it was not already
 * rotated (reuse), and neither its idle nor its absolute lifetime has run out. A token presented
 * by another client is refused but does not count as reuse: that client cannot be the thief and
 * the legitimate holder, so revoking would let anyone who saw a token end the user's grant.
 */
export function judgeRefreshToken(
  token: RefreshTokenEntity,
  grant: GrantEntity,
  clientId: string,
  now: Date,
): RefreshTokenVerdict {
  if (grant.clientId !== clientId) return invalid('the refresh token was issued to another client');
  if (grant.revokedAt !== null || token.revokedAt !== null) {
    return invalid('the refresh token has been revoked');
  }
  if (token.usedAt !== null) return { kind: 'reused' };
  if (token.expiresAt.getTime() <= now.getTime()) return invalid('the refresh token has expired');
  if (token.idleExpiresAt.getTime() <= now.getTime()) {
    return invalid('the refresh token has expired (unused for too long)');
  }
  return { kind: 'usable' };
}

function invalid(reason: string): RefreshTokenVerdict {
  return { kind: 'invalid', reason };
}
