import { Controller, Logger } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { BroadcastEvents, type ClientChangedEvent } from '@latchkey/contracts';
import { BroadcastEventPattern } from '@latchkey/transport';
import { ConsentsRepository } from './consents.repository';

/**
 * A deleted client's remembered consents go with it, so a client later registered under the same
 * id (the admin bootstrap may choose ids) starts without them. Every replica receives the event;
 * the delete is idempotent.
 */
@Controller()
export class ConsentCleanupController {
  private readonly logger = new Logger(ConsentCleanupController.name);

  constructor(private readonly consents: ConsentsRepository) {}

  @BroadcastEventPattern(BroadcastEvents.ClientChanged)
  async clientChanged(@Payload() event: Partial<ClientChangedEvent> | undefined): Promise<void> {
    if (event?.change !== 'deleted' || typeof event.client_id !== 'string') return;
    try {
      await this.consents.deleteForClient(event.client_id);
    } catch (err) {
      this.logger.warn(
        `could not delete the consents of a deleted client: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
}
