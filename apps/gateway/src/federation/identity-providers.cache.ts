import { Controller, Injectable } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  BroadcastEvents,
  IdentityProviderSubjects,
  type EnabledIdentityProvidersResponse,
  type IdentityProviderChangedEvent,
  type IdentityProviderRecord,
} from '@latchkey/contracts';
import { Clock, LoadingCache } from '@latchkey/core';
import { BroadcastEventPattern, BusClient } from '@latchkey/transport';

/**
 * The enabled upstream identity providers (few, small), read from the registry once and kept in
 * memory for the login page; `identity_provider.changed` drops them at once, the TTL is only a
 * safety net for an event lost while the bus was down (as the client cache, docs/architecture.md
 * §2.6).
 */
@Injectable()
export class IdentityProvidersCache {
  static readonly TTL_MS = 5 * 60_000;
  private readonly cache: LoadingCache<readonly IdentityProviderRecord[]>;

  constructor(
    private readonly bus: BusClient,
    clock: Clock,
  ) {
    this.cache = new LoadingCache({
      load: () => this.fetch(),
      ttlMs: () => IdentityProvidersCache.TTL_MS,
      maxEntries: 1,
      now: () => clock.now().getTime(),
    });
  }

  enabled(): Promise<readonly IdentityProviderRecord[]> {
    return this.cache.get(ALL);
  }

  invalidateAll(): void {
    this.cache.invalidateAll();
  }

  private async fetch(): Promise<readonly IdentityProviderRecord[]> {
    const answer = await this.bus.request<EnabledIdentityProvidersResponse>(
      IdentityProviderSubjects.Enabled,
      {},
    );
    return Array.isArray(answer) ? answer.filter((p) => p?.enabled === true) : [];
  }
}

const ALL = 'enabled';

/** Every gateway replica drops its providers as soon as the registry announces a change. */
@Controller()
export class IdentityProvidersCacheInvalidationController {
  constructor(private readonly providers: IdentityProvidersCache) {}

  @BroadcastEventPattern(BroadcastEvents.IdentityProviderChanged)
  changed(@Payload() event: Partial<IdentityProviderChangedEvent> | undefined): void {
    void event;
    this.providers.invalidateAll();
  }
}
