import { Module } from '@nestjs/common';
import { ClaimScopesController } from './claim-scopes.controller';
import { ClaimScopesRepository } from './claim-scopes.repository';
import { ClaimScopesService } from './claim-scopes.service';

@Module({
  controllers: [ClaimScopesController],
  providers: [ClaimScopesRepository, ClaimScopesService],
})
export class ClaimScopesModule {}
