import { Injectable } from '@nestjs/common';
import { JwksResponse, TokenSubjects } from '@latchkey/contracts';
import { KEY_SET_CACHE_MS, PublicKeySet } from '@latchkey/oauth-http';
import { BusClient } from '@latchkey/transport';

/**
 * Least time between two forced refreshes: tokens naming unknown keys are free to forge, and each
 * must not cost a bus round trip. Short, so that a freshly rotated key is found quickly.
 */
export const JWKS_REFRESH_COOLDOWN_MS = 5_000;

/**
 * The public key set, fetched from the token service and cached so the hot path (every client
 * validating tokens, the gateway verifying admin tokens) costs no bus round trip. Concurrent
 * misses share one request.
 */
@Injectable()
export class JwksService implements PublicKeySet {
  private cached?: { value: JwksResponse; expiresAt: number };
  private inFlight?: Promise<JwksResponse>;
  private lastRefreshAt?: number;

  constructor(private readonly bus: BusClient) {}

  async get(): Promise<JwksResponse> {
    if (this.cached && this.cached.expiresAt > Date.now()) return this.cached.value;
    this.inFlight ??= this.bus
      .request<JwksResponse>(TokenSubjects.Jwks, {})
      .then((value) => {
        this.cached = { value, expiresAt: Date.now() + KEY_SET_CACHE_MS };
        return value;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  /**
   * A token names a key the cached set lacks: fetch the set again, unless a forced refresh
   * happened within the cooldown, in which case the cached set is the answer.
   */
  async refresh(): Promise<JwksResponse> {
    const now = Date.now();
    if (this.lastRefreshAt === undefined || now - this.lastRefreshAt >= JWKS_REFRESH_COOLDOWN_MS) {
      this.lastRefreshAt = now;
      this.cached = undefined;
    }
    return this.get();
  }
}
