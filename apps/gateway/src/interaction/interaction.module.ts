import { Module } from '@nestjs/common';
import { InteractionService } from './interaction.service';
import { InteractionsRepository } from './interactions.repository';

/** Pending authorization requests in the KV store, bound to the browser that started them. */
@Module({
  providers: [InteractionsRepository, InteractionService],
  exports: [InteractionService],
})
export class InteractionModule {}
