import { Injectable, Logger } from '@nestjs/common';
import { ClientSubjects, type GetClientRequest, type GetClientResponse } from '@latchkey/contracts';
import { BusClient } from '@latchkey/transport';
import { Clock } from '../clock/clock';
import type { TokenClient } from './client-record';
import { LoadingCache } from './loading-cache';

/**
 * Client records from the registry, kept in memory so that a known client costs no bus round
 * trip per token request. `client.changed` events drop an entry at once (see
 * CacheInvalidationController); the TTL is only a safety net for an event lost while the bus was
 * down. Unknown ids are remembered briefly too, so a flood of them does not become a flood of
 * `clients.get` requests.
 */
@Injectable()
export class ClientsCache {
  static readonly TTL_MS = 5 * 60_000;
  static readonly NEGATIVE_TTL_MS = 10_000;
  static readonly MAX_ENTRIES = 10_000;

  private readonly logger = new Logger(ClientsCache.name);
  private readonly cache: LoadingCache<TokenClient | null>;

  constructor(
    private readonly bus: BusClient,
    clock: Clock,
  ) {
    this.cache = new LoadingCache({
      load: (clientId) => this.fetch(clientId),
      ttlMs: (client) => (client ? ClientsCache.TTL_MS : ClientsCache.NEGATIVE_TTL_MS),
      maxEntries: ClientsCache.MAX_ENTRIES,
      now: () => clock.now().getTime(),
    });
  }

  /** The client, or null when the registry does not know it. Treat the record as read-only. */
  get(clientId: string): Promise<TokenClient | null> {
    return this.cache.get(clientId);
  }

  invalidate(clientId: string): void {
    this.cache.invalidate(clientId);
  }

  invalidateAll(): void {
    this.cache.invalidateAll();
  }

  private async fetch(clientId: string): Promise<TokenClient | null> {
    const request: GetClientRequest = { client_id: clientId };
    const record = await this.bus.request<GetClientResponse>(ClientSubjects.Get, request);
    if (!record) return null;
    if (record.client_id !== clientId) {
      // Fail closed: a record for another client must never authenticate this one.
      this.logger.error('clients.get answered with a record for another client_id');
      return null;
    }
    return record as TokenClient;
  }
}
