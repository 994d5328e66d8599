import { Module } from '@nestjs/common';
import { AccessTokensModule } from '../access-tokens/access-tokens.module';
import { ClientAuthModule } from '../client-auth/client-auth.module';
import { ClientsModule } from '../clients/clients.module';
import { ClientCredentialsGrant } from './client-credentials.grant';
import { GRANT_HANDLERS, type GrantHandler } from './grant-handler';
import { TokenController } from './token.controller';
import { TokenEndpointService } from './token-endpoint.service';

/** The token endpoint and its grants; authorization_code and refresh_token join the list here. */
@Module({
  imports: [ClientsModule, ClientAuthModule, AccessTokensModule],
  controllers: [TokenController],
  providers: [
    ClientCredentialsGrant,
    {
      provide: GRANT_HANDLERS,
      inject: [ClientCredentialsGrant],
      useFactory: (...grants: GrantHandler[]): GrantHandler[] => grants,
    },
    TokenEndpointService,
  ],
})
export class GrantsModule {}
