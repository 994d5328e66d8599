import { DynamicModule, Module } from '@nestjs/common';
import { AuditClientModule } from '@latchkey/audit-client';
import type { PlatformConfig } from '@latchkey/config';
import { Services } from '@latchkey/contracts';
import { busReadiness, databaseReadiness, platformImports } from '@latchkey/platform';
import { PersistenceModule } from '@latchkey/persistence';
import { AccessTokensModule } from './access-tokens/access-tokens.module';
import { ClockModule } from './clock/clock.module';
import { CodesModule } from './codes/codes.module';
import { GrantsModule } from './grants/grants.module';
import { KeysModule } from './keys/keys.module';
import { KvModule } from './kv/kv.module';
import { TokenConfigModule } from './token.config';
import { TokenLifecycleModule } from './token-lifecycle.module';
import { TOKEN_PERSISTENCE } from './token.persistence';
import { UserGrantsModule } from './user-grants/user-grants.module';

/** Key prefix shared with the gateway (codes issued here are redeemed through it). */
const KV_PREFIX = 'latchkey:';

/** Codes, tokens, grants and signing keys. Answers `token.*` on the bus. */
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
          service: 'token',
          schema: 'token',
          natsUrl: config.natsUrl,
        }),
        TokenConfigModule.forRoot(config),
        ClockModule,
        KvModule.forRoot({ redisUrl: config.redisUrl, prefix: KV_PREFIX }),
        KeysModule.forRoot(config.keyEncryptionKey, config.previousKeyEncryptionKeys),
        GrantsModule,
        CodesModule,
        UserGrantsModule,
        AccessTokensModule,
        TokenLifecycleModule,
      ],
      providers: [databaseReadiness(), busReadiness()],
    };
  }
}
