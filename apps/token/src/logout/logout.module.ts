import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { UserGrantsModule } from '../user-grants/user-grants.module';
import { EndSessionService } from './end-session.service';
import { LogoutController } from './logout.controller';
import { LogoutTokenSigner } from './logout-token.signer';

/** The end of an SSO session: its online grants revoked, back-channel Logout Tokens signed. */
@Module({
  imports: [ClientsModule, UserGrantsModule],
  controllers: [LogoutController],
  providers: [EndSessionService, LogoutTokenSigner],
})
export class LogoutModule {}
