import { Module } from '@nestjs/common';
import { ClaimScopesModule } from '../claims/claim-scopes.module';
import { DiscoveryService } from './discovery.service';
import { JwksService } from './jwks.service';
import { WellKnownController } from './well-known.controller';

/** Discovery metadata and the public key set (also what the gateway verifies tokens with). */
@Module({
  imports: [ClaimScopesModule],
  controllers: [WellKnownController],
  providers: [DiscoveryService, JwksService],
  exports: [JwksService],
})
export class WellKnownModule {}
