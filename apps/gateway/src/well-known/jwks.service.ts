import { Injectable } from '@nestjs/common';
import { JwksResponse, TokenSubjects } from '@latchkey/contracts';
import { BusClient } from '@latchkey/transport';

/** How long the gateway reuses the key set before asking the token service again. */
export const JWKS_CACHE_MS = 30_000;

/**
 * The public key set, fetched from the token service and cached so the hot path (every client
 * validating tokens) costs no bus round trip. Concurrent misses share one request.
 */
@Injectable()
export class JwksService {
  private cached?: { value: JwksResponse; expiresAt: number };
  private inFlight?: Promise<JwksResponse>;

  constructor(private readonly bus: BusClient) {}

  async get(): Promise<JwksResponse> {
    if (this.cached && this.cached.expiresAt > Date.now()) return this.cached.value;
    this.inFlight ??= this.bus
      .request<JwksResponse>(TokenSubjects.Jwks, {})
      .then((value) => {
        this.cached = { value, expiresAt: Date.now() + JWKS_CACHE_MS };
        return value;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
