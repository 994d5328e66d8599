import { Injectable } from '@nestjs/common';
import {
  type AllClaimScopesResponse,
  ClaimScopeSubjects,
  type ClaimScopeView,
} from '@latchkey/contracts';
import { Clock, LoadingCache } from '@latchkey/core';
import { TemporarilyUnavailable } from '@latchkey/oauth';
import { BusClient } from '@latchkey/transport';

const ALL = 'all';

/**
 * Every claim scope (there are few), fetched at once with `claim_scopes.all` and kept until a
 * `claim_scope.changed` event or the TTL safety net, like the resource cache. The gateway reads
 * their mappings (userinfo, token claims, discovery); both the gateway and the token service read
 * their names, the scopes the issuer releases besides OpenID Connect's (docs/architecture.md §3).
 */
@Injectable()
export class ClaimScopesCache {
  static readonly TTL_MS = 5 * 60_000;

  private readonly cache: LoadingCache<ReadonlyMap<string, ClaimScopeView>>;

  constructor(
    private readonly bus: BusClient,
    clock: Clock,
  ) {
    this.cache = new LoadingCache({
      load: () => this.fetchAll(),
      ttlMs: () => ClaimScopesCache.TTL_MS,
      maxEntries: 1,
      now: () => clock.now().getTime(),
    });
  }

  all(): Promise<ReadonlyMap<string, ClaimScopeView>> {
    return this.cache.get(ALL);
  }

  invalidate(): void {
    this.cache.invalidateAll();
  }

  private async fetchAll(): Promise<ReadonlyMap<string, ClaimScopeView>> {
    const scopes = await this.bus.request<AllClaimScopesResponse>(ClaimScopeSubjects.All, {});
    if (!Array.isArray(scopes)) throw new TemporarilyUnavailable();
    return new Map(scopes.map((scope) => [scope.name, scope]));
  }
}
