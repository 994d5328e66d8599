import { Logger } from '@nestjs/common';
import {
  ClientSubjects,
  type ClientRecord,
  type CorsOriginsResponse,
  type GetClientRequest,
  type GetClientResponse,
} from '@latchkey/contracts';
import { Clock, LoadingCache } from '@latchkey/core';
import { BusClient } from '@latchkey/transport';

/**
 * Client records from the registry, kept in memory by every service that reads them (gateway,
 * token) so that a known client costs no bus round trip per request. `client.changed` broadcasts
 * drop an entry at once (each service's invalidation controller calls `invalidate`); the TTL is
 * only a safety net for an event lost while the bus was down. Unknown ids are remembered briefly
 * too, so a flood of them does not become a flood of `clients.get` requests.
 *
 * The read side of the registry's `clients.get` contract, for every service but the registry;
 * register it with `clientsCacheProvider()`.
 */
export class ClientsCache {
  static readonly TTL_MS = 5 * 60_000;
  static readonly NEGATIVE_TTL_MS = 10_000;
  static readonly MAX_ENTRIES = 10_000;

  private readonly logger = new Logger(ClientsCache.name);
  private readonly cache: LoadingCache<ClientRecord | null>;
  /**
   * Every origin some client allows, as one set under one key: a preflight from any origin,
   * registered or not, is answered from memory, so a flood of made-up origins costs the registry
   * nothing. Any client change may change the set, so every invalidation drops it.
   */
  private readonly origins: LoadingCache<ReadonlySet<string>>;

  constructor(
    private readonly bus: BusClient,
    clock: Pick<Clock, 'now'>,
  ) {
    this.cache = new LoadingCache({
      load: (clientId) => this.fetch(clientId),
      ttlMs: (client) => (client ? ClientsCache.TTL_MS : ClientsCache.NEGATIVE_TTL_MS),
      maxEntries: ClientsCache.MAX_ENTRIES,
      now: () => clock.now().getTime(),
    });
    this.origins = new LoadingCache({
      load: () => this.fetchCorsOrigins(),
      ttlMs: () => ClientsCache.TTL_MS,
      maxEntries: 1,
      now: () => clock.now().getTime(),
    });
  }

  /** The client, or null when the registry does not know it. Treat the record as read-only. */
  get(clientId: string): Promise<ClientRecord | null> {
    return this.cache.get(clientId);
  }

  /** Every origin some enabled client allows for CORS (docs/architecture.md §3). */
  corsOrigins(): Promise<ReadonlySet<string>> {
    return this.origins.get(CORS_ORIGINS_KEY);
  }

  /**
   * Runs a change of this client at the registry and drops the cached copy once it is answered,
   * failed or not (a timeout may still have changed it): the replica that answers a change never
   * serves the old copy afterwards, whenever the `client.changed` broadcast reaches it
   * (docs/architecture.md §2.6).
   */
  async changing<T>(clientId: string, change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } finally {
      this.invalidate(clientId);
    }
  }

  invalidate(clientId: string): void {
    this.cache.invalidate(clientId);
    this.origins.invalidateAll();
  }

  invalidateAll(): void {
    this.cache.invalidateAll();
    this.origins.invalidateAll();
  }

  private async fetchCorsOrigins(): Promise<ReadonlySet<string>> {
    const answer = await this.bus.request<CorsOriginsResponse>(ClientSubjects.CorsOrigins, {});
    return new Set(Array.isArray(answer?.origins) ? answer.origins : []);
  }

  private async fetch(clientId: string): Promise<ClientRecord | null> {
    const request: GetClientRequest = { client_id: clientId };
    const record = await this.bus.request<GetClientResponse>(ClientSubjects.Get, request);
    if (!record) return null;
    if (record.client_id !== clientId) {
      // Fail closed: a record for another client must never stand in for this one.
      this.logger.error('clients.get answered with a record for another client_id');
      return null;
    }
    return record;
  }
}

const CORS_ORIGINS_KEY = 'cors-origins';

/** The Nest provider of a ClientsCache over the service's bus client and its clock. */
export function clientsCacheProvider() {
  return {
    provide: ClientsCache,
    inject: [BusClient, Clock],
    useFactory: (bus: BusClient, clock: Clock) => new ClientsCache(bus, clock),
  };
}
