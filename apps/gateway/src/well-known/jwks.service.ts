import { Injectable } from '@nestjs/common';
import { JwksResponse, TokenSubjects } from '@latchkey/contracts';
import { KEY_SET_CACHE_MS, KeySetRefreshCooldown, PublicKeySet } from '@latchkey/oauth-http';
import { BusClient } from '@latchkey/transport';

/**
 * The public key set, fetched from the token service and cached so the hot path (every client
 * validating tokens, the gateway verifying admin tokens) costs no bus round trip. Concurrent
 * misses share one request.
 */
@Injectable()
export class JwksService implements PublicKeySet {
  private cached?: { value: JwksResponse; expiresAt: number };
  private inFlight?: Promise<JwksResponse>;
  private readonly cooldown = new KeySetRefreshCooldown();

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

  async refresh(): Promise<JwksResponse> {
    if (this.cooldown.allow(Date.now())) this.cached = undefined;
    return this.get();
  }
}
