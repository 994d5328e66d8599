import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { UserGrantsModule } from '../user-grants/user-grants.module';
import { AccessTokenSigner } from './access-token.signer';
import { AccessTokenValidator } from './access-token.validator';
import { AccessTokensController } from './access-tokens.controller';
import { AudienceResolver } from './audience.resolver';
import { RevokedAccessTokens } from './revoked-access-tokens';
import { RevokedAccessTokensRepository } from './revoked-access-tokens.repository';
import { RevokedAccessTokensRestorer } from './revoked-access-tokens.restorer';

/**
 * Signs access tokens for every grant, validates them for userinfo, introspection and revocation,
 * and keeps the denylist of revoked ones, durable in Postgres (KeysModule is global).
 */
@Module({
  imports: [ClientsModule, UserGrantsModule],
  controllers: [AccessTokensController],
  providers: [
    AccessTokenSigner,
    AccessTokenValidator,
    AudienceResolver,
    RevokedAccessTokens,
    RevokedAccessTokensRepository,
    RevokedAccessTokensRestorer,
  ],
  exports: [AccessTokenSigner, AccessTokenValidator, AudienceResolver, RevokedAccessTokens],
})
export class AccessTokensModule {}
