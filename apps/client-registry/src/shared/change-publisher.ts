import { Injectable, Logger } from '@nestjs/common';
import {
  BroadcastEvents,
  type ClaimScopeChangedEvent,
  type ClientChangedEvent,
  type IdentityProviderChangedEvent,
  type ResourceChangedEvent,
} from '@latchkey/contracts';
import { BusClient } from '@latchkey/transport';

/**
 * Tells every replica of the gateway and token service to drop cached copies. Called only after
 * the change is committed, so a cache refilled on the event never reads the old row.
 *
 * A bus that cannot take the event does not fail the request: the change is already durable, and
 * reporting a failure would make the caller retry a create into a duplicate. The lost event is
 * logged; caches must also expire by themselves.
 */
@Injectable()
export class ChangePublisher {
  private readonly logger = new Logger(ChangePublisher.name);

  constructor(private readonly bus: BusClient) {}

  clientChanged(event: ClientChangedEvent): Promise<void> {
    return this.publish(BroadcastEvents.ClientChanged, event);
  }

  resourceChanged(event: ResourceChangedEvent): Promise<void> {
    return this.publish(BroadcastEvents.ResourceChanged, event);
  }

  claimScopeChanged(event: ClaimScopeChangedEvent): Promise<void> {
    return this.publish(BroadcastEvents.ClaimScopeChanged, event);
  }

  identityProviderChanged(event: IdentityProviderChangedEvent): Promise<void> {
    return this.publish(BroadcastEvents.IdentityProviderChanged, event);
  }

  private async publish(
    subject: string,
    event:
      | ClientChangedEvent
      | ResourceChangedEvent
      | ClaimScopeChangedEvent
      | IdentityProviderChangedEvent,
  ) {
    try {
      await this.bus.emit(subject, event);
    } catch (err) {
      this.logger.error(
        `could not publish ${subject} ${JSON.stringify(event)}; caches keep the old copy until they expire: ${
          err instanceof Error ? err.message : String(err)
        }`,
      );
    }
  }
}
