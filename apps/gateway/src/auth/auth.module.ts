import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { WellKnownModule } from '../well-known/well-known.module';
import { AccessTokenVerifier } from './access-token.verifier';
import { AdminGuard } from './admin.guard';

/** Verification of the Bearer access tokens the gateway's own APIs accept. */
@Module({
  imports: [WellKnownModule, ClientsModule],
  providers: [AccessTokenVerifier, AdminGuard],
  exports: [AccessTokenVerifier, AdminGuard],
})
export class AuthModule {}
