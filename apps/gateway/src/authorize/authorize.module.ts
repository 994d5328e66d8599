import { ClaimScopesModule } from '../claims/claim-scopes.module';
import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { WellKnownModule } from '../well-known/well-known.module';
import { AuthorizationRequestReader } from './authorization-request.reader';
import { CodeIssuer } from './code-issuer';
import { IdTokenHintVerifier } from './id-token-hint.verifier';

/** The authorization endpoint's protocol side: reading a request, and issuing its code. */
@Module({
  imports: [ClientsModule, ClaimScopesModule, WellKnownModule],
  providers: [AuthorizationRequestReader, IdTokenHintVerifier, CodeIssuer],
  exports: [AuthorizationRequestReader, CodeIssuer],
})
export class AuthorizeModule {}
