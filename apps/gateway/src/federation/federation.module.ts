import { Module } from '@nestjs/common';
import { ClockModule } from '@latchkey/core';
import { SessionModule } from '../session/session.module';
import { UsersModule } from '../users/users.module';
import {
  IdentityProvidersCache,
  IdentityProvidersCacheInvalidationController,
} from './identity-providers.cache';
import { LdapDirectory } from './ldap-directory';
import { UpstreamLoginService } from './upstream-login.service';
import { UpstreamMetadataService } from './upstream-metadata';
import { UpstreamOAuthClient } from './upstream-oauth.client';
import { UpstreamStatesRepository } from './upstream-states.repository';

/**
 * Signing in through upstream identity providers (docs/identity-providers.md): the providers the
 * registry has enabled (cached, dropped on `identity_provider.changed`), the upstream OAuth 2.0 /
 * OpenID Connect leg, LDAP directories, and the local user it provisions. The login flow calls
 * UpstreamLoginService.
 */
@Module({
  imports: [ClockModule, SessionModule, UsersModule],
  controllers: [IdentityProvidersCacheInvalidationController],
  providers: [
    IdentityProvidersCache,
    UpstreamMetadataService,
    UpstreamOAuthClient,
    UpstreamStatesRepository,
    LdapDirectory,
    UpstreamLoginService,
  ],
  exports: [UpstreamLoginService],
})
export class FederationModule {}
