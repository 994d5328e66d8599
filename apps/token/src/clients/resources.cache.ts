import { Injectable } from '@nestjs/common';
import {
  type AllResourcesResponse,
  ResourceSubjects,
  type ResourceView,
} from '@latchkey/contracts';
import { TemporarilyUnavailable } from '@latchkey/oauth';
import { LoadingCache } from '@latchkey/core';
import { BusClient } from '@latchkey/transport';
import { Clock } from '@latchkey/core';

const ALL = 'all';

/**
 * Every API resource (there are few), fetched at once with `resources.all` and kept until a
 * `resource.changed` event or the TTL safety net. Used to resolve a token's audience and its
 * scopes.
 */
@Injectable()
export class ResourcesCache {
  static readonly TTL_MS = 5 * 60_000;

  private readonly cache: LoadingCache<ReadonlyMap<string, ResourceView>>;

  constructor(
    private readonly bus: BusClient,
    clock: Clock,
  ) {
    this.cache = new LoadingCache({
      load: () => this.fetchAll(),
      ttlMs: () => ResourcesCache.TTL_MS,
      maxEntries: 1,
      now: () => clock.now().getTime(),
    });
  }

  /** The resource whose identifier is exactly `identifier`, if registered. */
  async get(identifier: string): Promise<ResourceView | undefined> {
    return (await this.cache.get(ALL)).get(identifier);
  }

  invalidate(): void {
    this.cache.invalidateAll();
  }

  private async fetchAll(): Promise<ReadonlyMap<string, ResourceView>> {
    const resources = await this.bus.request<AllResourcesResponse>(ResourceSubjects.All, {});
    if (!Array.isArray(resources)) {
      // A registry answering another shape is a deployment mismatch: fail closed, like a bus error.
      throw new TemporarilyUnavailable();
    }
    return new Map(resources.map((resource) => [resource.identifier, resource]));
  }
}
