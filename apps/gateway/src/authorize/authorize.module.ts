import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { ConsentsModule } from '../consent/consents.module';
import { InteractionModule } from '../interaction/interaction.module';
import { SessionModule } from '../session/session.module';
import { UsersModule } from '../users/users.module';
import { WellKnownModule } from '../well-known/well-known.module';
import { AuthorizationFlow } from './authorization-flow.service';
import { AuthorizationRequestReader } from './authorization-request.reader';
import { AuthorizeController } from './authorize.controller';
import { CodeIssuer } from './code-issuer';
import { IdTokenHintVerifier } from './id-token-hint.verifier';

/** `/authorize` and the flow the login and consent steps continue. */
@Module({
  imports: [
    ClientsModule,
    ConsentsModule,
    InteractionModule,
    SessionModule,
    UsersModule,
    WellKnownModule,
  ],
  controllers: [AuthorizeController],
  providers: [AuthorizationRequestReader, IdTokenHintVerifier, CodeIssuer, AuthorizationFlow],
  exports: [AuthorizationFlow],
})
export class AuthorizeModule {}
