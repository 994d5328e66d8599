import { Injectable } from '@nestjs/common';
import { clientCorsOrigins, isPlausibleClientId } from '@latchkey/oauth';
import { CorsOrigins } from '@latchkey/oauth-http';
import { ClientsCache } from './clients.cache';

/**
 * CORS origins from the registry's clients, through the service's client cache: a preflight
 * reads the cached set of every allowed origin, an actual request its client's cached record
 * (docs/architecture.md §2.6, §3). Neither costs a bus round trip while the cache is warm.
 */
@Injectable()
export class RegisteredCorsOrigins extends CorsOrigins {
  constructor(private readonly clients: ClientsCache) {
    super();
  }

  async allowedByAnyClient(origin: string): Promise<boolean> {
    return (await this.clients.corsOrigins()).has(origin);
  }

  async allowedByClient(origin: string, clientId: string): Promise<boolean> {
    if (!isPlausibleClientId(clientId)) return false;
    const client = await this.clients.get(clientId);
    return !!client && !client.disabled && clientCorsOrigins(client).has(origin);
  }
}
