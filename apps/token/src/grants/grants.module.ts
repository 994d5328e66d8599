import { Module } from '@nestjs/common';
import { AccessTokensModule } from '../access-tokens/access-tokens.module';
import { ClientAuthModule } from '../client-auth/client-auth.module';
import { ClientsModule } from '../clients/clients.module';
import { CodesModule } from '../codes/codes.module';
import { IdTokensModule } from '../id-tokens/id-tokens.module';
import { UserGrantsModule } from '../user-grants/user-grants.module';
import { AuthorizationCodeGrant } from './authorization-code.grant';
import { ClientCredentialsGrant } from './client-credentials.grant';
import { GRANT_HANDLERS, type GrantHandler } from './grant-handler';
import { RefreshTokenGrant } from './refresh-token.grant';
import { TokenController } from './token.controller';
import { TokenEndpointService } from './token-endpoint.service';
import { UserClaimsLookup } from './user-claims.lookup';
import { UserTokensIssuer } from './user-tokens.issuer';

/** The token endpoint and its grants, one handler per grant type. */
@Module({
  imports: [
    ClientsModule,
    ClientAuthModule,
    AccessTokensModule,
    IdTokensModule,
    CodesModule,
    UserGrantsModule,
  ],
  controllers: [TokenController],
  providers: [
    ClientCredentialsGrant,
    AuthorizationCodeGrant,
    RefreshTokenGrant,
    UserTokensIssuer,
    UserClaimsLookup,
    {
      provide: GRANT_HANDLERS,
      inject: [ClientCredentialsGrant, AuthorizationCodeGrant, RefreshTokenGrant],
      useFactory: (...grants: GrantHandler[]): GrantHandler[] => grants,
    },
    TokenEndpointService,
  ],
  exports: [TokenEndpointService],
})
export class GrantsModule {}
