import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { BroadcastEvents, type ClientChangedEvent } from '@latchkey/contracts';
import { ClaimScopesCache, ClientsCache, ResourcesCache } from '@latchkey/registry-client';
import { BroadcastEventPattern } from '@latchkey/transport';

/** Every replica drops its cached copy as soon as the registry announces a change. */
@Controller()
export class CacheInvalidationController {
  constructor(
    private readonly clients: ClientsCache,
    private readonly resources: ResourcesCache,
    private readonly claimScopes: ClaimScopesCache,
  ) {}

  @BroadcastEventPattern(BroadcastEvents.ClientChanged)
  clientChanged(@Payload() event: Partial<ClientChangedEvent> | undefined): void {
    if (typeof event?.client_id === 'string') this.clients.invalidate(event.client_id);
    // An event we cannot read still means something changed: drop everything rather than guess.
    else this.clients.invalidateAll();
  }

  @BroadcastEventPattern(BroadcastEvents.ResourceChanged)
  resourceChanged(): void {
    this.resources.invalidate();
  }

  @BroadcastEventPattern(BroadcastEvents.ClaimScopeChanged)
  claimScopeChanged(): void {
    this.claimScopes.invalidate();
  }
}
