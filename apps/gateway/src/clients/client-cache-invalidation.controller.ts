import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { BroadcastEvents, type ClientChangedEvent } from '@latchkey/contracts';
import { ClientsCache, ResourcesCache } from '@latchkey/registry-client';
import { BroadcastEventPattern } from '@latchkey/transport';

/** Every gateway replica drops its cached copies as soon as the registry announces a change. */
@Controller()
export class ClientCacheInvalidationController {
  constructor(
    private readonly clients: ClientsCache,
    private readonly resources: ResourcesCache,
  ) {}

  @BroadcastEventPattern(BroadcastEvents.ClientChanged)
  clientChanged(@Payload() event: Partial<ClientChangedEvent> | undefined): void {
    if (typeof event?.client_id === 'string') this.clients.invalidate(event.client_id);
    // An event we cannot read still means something changed: drop everything rather than guess.
    else this.clients.invalidateAll();
  }

  /** The authorization endpoint and the consent page read resources as they are now. */
  @BroadcastEventPattern(BroadcastEvents.ResourceChanged)
  resourceChanged(): void {
    this.resources.invalidate();
  }
}
