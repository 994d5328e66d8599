import { Module } from '@nestjs/common';
import { ChainModule } from '../chain/chain.module';
import { AuditQueryController } from './audit-query.controller';
import { AuditQueryService } from './audit-query.service';

/** What the admin API asks: stored events and chain verification. */
@Module({
  imports: [ChainModule],
  controllers: [AuditQueryController],
  providers: [AuditQueryService],
})
export class QueryModule {}
