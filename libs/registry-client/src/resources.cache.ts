import {
  type AllResourcesResponse,
  ResourceSubjects,
  type ResourceView,
} from '@latchkey/contracts';
import { Clock, LoadingCache } from '@latchkey/core';
import { TemporarilyUnavailable } from '@latchkey/oauth';
import { BusClient } from '@latchkey/transport';

const ALL = 'all';

/**
 * Every API resource (there are few), fetched at once with `resources.all` and kept until a
 * `resource.changed` event or the TTL safety net. The token service resolves a token's
 * audiences and scopes with it, the gateway checks `resource` at the authorization endpoint and
 * describes API scopes on the consent page (docs/architecture.md §3, Audiences).
 *
 * The read side of the registry's `resources.all` contract; register it with
 * `resourcesCacheProvider()`.
 */
export class ResourcesCache {
  static readonly TTL_MS = 5 * 60_000;

  private readonly cache: LoadingCache<readonly ResourceView[]>;

  constructor(
    private readonly bus: BusClient,
    clock: Pick<Clock, 'now'>,
  ) {
    this.cache = new LoadingCache({
      load: () => this.fetchAll(),
      ttlMs: () => ResourcesCache.TTL_MS,
      maxEntries: 1,
      now: () => clock.now().getTime(),
    });
  }

  /** Every registered resource, oldest first. Treat the records as read-only. */
  all(): Promise<readonly ResourceView[]> {
    return this.cache.get(ALL);
  }

  /** The resource whose identifier is exactly `identifier`, if registered. */
  async get(identifier: string): Promise<ResourceView | undefined> {
    return (await this.all()).find((resource) => resource.identifier === identifier);
  }

  invalidate(): void {
    this.cache.invalidateAll();
  }

  private async fetchAll(): Promise<readonly ResourceView[]> {
    const resources = await this.bus.request<AllResourcesResponse>(ResourceSubjects.All, {});
    if (!Array.isArray(resources)) {
      // A registry answering another shape is a deployment mismatch: fail closed, like a bus error.
      throw new TemporarilyUnavailable();
    }
    return resources;
  }
}

/** The Nest provider of a ResourcesCache over the service's bus client and its clock. */
export function resourcesCacheProvider() {
  return {
    provide: ResourcesCache,
    inject: [BusClient, Clock],
    useFactory: (bus: BusClient, clock: Clock) => new ResourcesCache(bus, clock),
  };
}
