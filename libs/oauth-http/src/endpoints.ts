import type {
  IntrospectionJwtResponse,
  IntrospectionResponse,
  IntrospectRequest,
  JwksResponse,
  RevokeRequest,
  TokenRequest,
  TokenResponse,
} from '@latchkey/contracts';

/**
 * What answers the token endpoints behind their HTTP layer. The token service answers them
 * itself; the gateway hands them to the token service over the bus (docs/architecture.md §2.7).
 * The controllers of this library depend only on these, so both serve the same HTTP behaviour.
 */
export abstract class TokenEndpoint {
  /** RFC 6749 §3.2: every grant, with the client authenticated from the request. */
  abstract handle(request: TokenRequest): Promise<TokenResponse>;
}

export abstract class IntrospectionEndpoint {
  /** RFC 7662 JSON, or the RFC 9701 signed answer when `want_jwt` is set. */
  abstract introspect(
    request: IntrospectRequest,
  ): Promise<IntrospectionResponse | IntrospectionJwtResponse>;
}

export abstract class RevocationEndpoint {
  /** RFC 7009 §2: succeeds whether or not the token was known. */
  abstract revoke(request: RevokeRequest): Promise<unknown>;
}

export abstract class PublicKeySet {
  /** RFC 7517: the keys tokens are verified with, from a cache where the caller keeps one. */
  abstract get(): Promise<JwksResponse>;
  /**
   * A token names a key the cached set lacks: read the set again, unless that was forced within
   * KEY_SET_REFRESH_COOLDOWN_MS (forged `kid`s must not cost a read each); then the cached set.
   */
  abstract refresh(): Promise<JwksResponse>;
}

/**
 * How long a service reuses the key set it serves and verifies with before reading it again.
 * Short, so that a freshly rotated key is found quickly; keys are published long before they sign.
 */
export const KEY_SET_CACHE_MS = 30_000;

/** The least time between two reads of the key set forced by an unknown `kid`. */
export const KEY_SET_REFRESH_COOLDOWN_MS = 5_000;

/** Lets a forced read of the key set through at most once per KEY_SET_REFRESH_COOLDOWN_MS. */
export class KeySetRefreshCooldown {
  private lastForcedAt?: number;

  /** True when a read may be forced at `now` (milliseconds), and counts it. */
  allow(now: number): boolean {
    if (this.lastForcedAt !== undefined && now - this.lastForcedAt < KEY_SET_REFRESH_COOLDOWN_MS) {
      return false;
    }
    this.lastForcedAt = now;
    return true;
  }
}
