import { Module } from '@nestjs/common';
import { IdTokenHintVerifier } from '../authorize/id-token-hint.verifier';
import { BackchannelModule } from '../backchannel/backchannel.module';
import { ClientsModule } from '../clients/clients.module';
import { SessionModule } from '../session/session.module';
import { UsersModule } from '../users/users.module';
import { WellKnownModule } from '../well-known/well-known.module';
import { LogoutController } from './logout.controller';
import { LogoutRequestsRepository } from './logout-requests.repository';
import { LogoutService } from './logout.service';
import { SessionLogout } from './session-logout.service';

/** `/logout` (end_session_endpoint) and ending sessions everywhere (also for the admin API). */
@Module({
  imports: [BackchannelModule, ClientsModule, SessionModule, UsersModule, WellKnownModule],
  controllers: [LogoutController],
  providers: [IdTokenHintVerifier, LogoutRequestsRepository, LogoutService, SessionLogout],
  exports: [SessionLogout],
})
export class LogoutModule {}
