import { DynamicModule, Module } from '@nestjs/common';
import { AuditClientModule, auditDelivery, auditSigningKeyFor } from '@latchkey/audit-client';
import type { PlatformConfig } from '@latchkey/config';
import { KV_KEY_PREFIX, Services } from '@latchkey/contracts';
import {
  busReadiness,
  databaseReadiness,
  EdgeInputModule,
  kvReadiness,
  databaseMetrics,
  kvMetrics,
  platformImports,
} from '@latchkey/platform';
import { KvModule } from '@latchkey/kv';
import { IssuerModule, OAuthErrorFilter } from '@latchkey/oauth-http';
import { APP_FILTER } from '@nestjs/core';
import { PersistenceModule } from '@latchkey/persistence';
import { AccessTokensModule } from './access-tokens/access-tokens.module';
import { ClockModule } from '@latchkey/core';
import { CodesModule } from './codes/codes.module';
import { GrantsModule } from './grants/grants.module';
import { TokenHttpModule } from './http/token-http.module';
import { KeysModule } from './keys/keys.module';
import { TokenConfigModule } from './token.config';
import { TokenLifecycleModule } from './token-lifecycle.module';
import { TOKEN_PERSISTENCE } from './token.persistence';
import { UserGrantsModule } from './user-grants/user-grants.module';

/**
 * Codes, tokens, grants and signing keys. Answers `token.*` on the bus, and the token endpoints
 * over HTTP for an ingress that routes them here.
 */
@Module({})
export class TokenModule {
  static forRoot(config: PlatformConfig): DynamicModule {
    if (!config.keyEncryptionKey) throw new Error('KEY_ENCRYPTION_KEY is required');
    return {
      module: TokenModule,
      imports: [
        ...platformImports(Services.Token, config),
        PersistenceModule.forService(TOKEN_PERSISTENCE),
        AuditClientModule.forService({
          service: Services.Token,
          issuer: config.issuer,
          schema: TOKEN_PERSISTENCE.schema,
          ...auditDelivery(config),
          signingKey: auditSigningKeyFor(Services.Token, config),
        }),
        TokenConfigModule.forRoot(config),
        ClockModule,
        KvModule.forRoot({ redisUrl: config.redisUrl, prefix: KV_KEY_PREFIX }),
        KeysModule.forRoot(config.keyEncryptionKey, config.previousKeyEncryptionKeys),
        GrantsModule,
        CodesModule,
        UserGrantsModule,
        AccessTokensModule,
        TokenLifecycleModule,
        IssuerModule.forRoot(config.issuer),
        // The token endpoints over HTTP: the same edge checks and error JSON as at the gateway.
        EdgeInputModule.forRoot(),
        TokenHttpModule,
      ],
      providers: [
        databaseReadiness(),
        busReadiness(),
        kvReadiness(),
        databaseMetrics(),
        kvMetrics(),
        { provide: APP_FILTER, useClass: OAuthErrorFilter },
      ],
    };
  }
}
