import { Injectable } from '@nestjs/common';
import type { JwksResponse } from '@latchkey/contracts';
import { Clock } from '@latchkey/core';
import { KEY_SET_CACHE_MS, KeySetRefreshCooldown, PublicKeySet } from '@latchkey/oauth-http';
import { SigningKeysService } from './signing-keys.service';

/**
 * The token service's one cache of its public key set: what it serves at
 * `/.well-known/jwks.json` and verifies access tokens with. Read from the database at most once
 * per KEY_SET_CACHE_MS, at once after this replica changed the keys, and when a token names a key
 * the set lacks (at most once per KEY_SET_REFRESH_COOLDOWN_MS). Keys are published well before
 * they sign (docs/architecture.md §2.5), so a set this old still holds every key a live token
 * names.
 */
@Injectable()
export class PublishedKeySet implements PublicKeySet {
  private cached?: { value: Promise<JwksResponse>; loadedAt: number; generation: number };
  private readonly cooldown = new KeySetRefreshCooldown();

  constructor(
    private readonly keys: SigningKeysService,
    private readonly clock: Clock,
  ) {}

  get(): Promise<JwksResponse> {
    const now = this.clock.now().getTime();
    const cached = this.cached;
    if (
      cached &&
      cached.generation === this.keys.keySetGeneration &&
      now - cached.loadedAt < KEY_SET_CACHE_MS &&
      now >= cached.loadedAt
    ) {
      return cached.value;
    }
    const value = this.keys.jwks();
    const entry = { value, loadedAt: now, generation: this.keys.keySetGeneration };
    this.cached = entry;
    // A failed read is not kept: the next request reads again.
    value.catch(() => {
      if (this.cached === entry) this.cached = undefined;
    });
    return value;
  }

  refresh(): Promise<JwksResponse> {
    if (this.cooldown.allow(this.clock.now().getTime())) this.cached = undefined;
    return this.get();
  }
}
