import { Module } from '@nestjs/common';
import { AuditChain } from './audit-chain.service';
import { AuditEventsRepository } from './audit-events.repository';

/** The append-only, hash-chained log: appending and proving. */
@Module({
  providers: [AuditEventsRepository, AuditChain],
  exports: [AuditEventsRepository, AuditChain],
})
export class ChainModule {}
