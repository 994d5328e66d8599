import { createHmac } from 'node:crypto';
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

/**
 * The successor of a refresh token: HMAC-SHA256 of the presented token under a server key
 * (docs/architecture.md §3). As random as a minted token to anyone without the key, yet the same
 * every time the same token is rotated, so a retry can be answered the same successor without
 * storing it: neither token is ever stored, and the database alone reveals neither.
 */
export function successorRefreshToken(presented: string, key: Buffer): MintedRefreshToken {
  const token = createHmac('sha256', key).update(presented, 'utf8').digest('base64url');
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
  /** Rotated moments ago and its successor unused: a retry, answered that successor again. */
  | { kind: 'retried'; successorHash: string }
  /** Rotated before: presenting it again means it leaked (RFC 9700 §4.14.2). */
  | { kind: 'reused' }
  | { kind: 'invalid'; reason: string };

/** The state of a token's rotation that the verdict on a repeated presentation depends on. */
export interface RotationState {
  /** The token that replaced the presented one, when it was rotated; null if unknown. */
  successor: RefreshTokenEntity | null;
  /** REFRESH_TOKEN_REUSE_WINDOW_SECONDS; 0: no retries. */
  reuseWindowSeconds: number;
}

/** For a reader that only asks whether a token is usable: a repeated presentation is reuse. */
const NO_RETRY: RotationState = { successor: null, reuseWindowSeconds: 0 };

/**
 * The refresh-token checks, in the order a reviewer should read them: the token belongs to the
 * authenticated client, its grant and the token itself are not revoked, it was not already
 * rotated (else {@link judgeRepeatedPresentation}), and neither its idle nor its absolute lifetime
 * has run out. A token presented by another client is refused but does not count as reuse: that
 * client cannot be the thief and the legitimate holder, so revoking would let anyone who saw a
 * token end the user's grant. `now` is when the request's handling began.
 */
export function judgeRefreshToken(
  token: RefreshTokenEntity,
  grant: GrantEntity,
  clientId: string,
  now: Date,
  rotation: RotationState = NO_RETRY,
): RefreshTokenVerdict {
  if (grant.clientId !== clientId) return invalid('the refresh token was issued to another client');
  if (grant.revokedAt !== null || token.revokedAt !== null) {
    return invalid('the refresh token has been revoked');
  }
  if (token.usedAt !== null) return judgeRepeatedPresentation(token.usedAt, now, rotation);
  if (token.expiresAt.getTime() <= now.getTime()) return invalid('the refresh token has expired');
  if (token.idleExpiresAt.getTime() <= now.getTime()) {
    return invalid('the refresh token has expired (unused for too long)');
  }
  return { kind: 'usable' };
}

/**
 * A rotated token presented again (docs/architecture.md §3):
 *  - its successor was rotated too: an older generation, reuse; unless the successor's rotation
 *    came after this request began (a duplicate held up in a paused replica or a queue, handled
 *    late): refused, but that is no sign of theft and revokes nothing;
 *  - within the reuse window after its rotation (or before it: a concurrent request that queued
 *    on the grant's lock), with the successor unused: a retry of a refresh whose answer was lost,
 *    answered the same successor;
 *  - otherwise: reuse.
 */
export function judgeRepeatedPresentation(
  usedAt: Date,
  now: Date,
  { successor, reuseWindowSeconds }: RotationState,
): RefreshTokenVerdict {
  if (successor === null) return { kind: 'reused' };
  if (successor.usedAt !== null) {
    return successor.usedAt.getTime() > now.getTime()
      ? invalid('a late duplicate of a refresh whose successor has been rotated since')
      : { kind: 'reused' };
  }
  const withinWindow = now.getTime() - usedAt.getTime() <= reuseWindowSeconds * 1000;
  if (reuseWindowSeconds > 0 && withinWindow) {
    return { kind: 'retried', successorHash: successor.hash };
  }
  return { kind: 'reused' };
}

function invalid(reason: string): RefreshTokenVerdict {
  return { kind: 'invalid', reason };
}
