import { DynamicModule, Module } from '@nestjs/common';
import type { PlatformConfig } from '@latchkey/config';
import { Services } from '@latchkey/contracts';
import { busReadiness, databaseReadiness, platformImports } from '@latchkey/observability';
import { PersistenceModule } from '@latchkey/persistence';
import { ClockModule } from './clock/clock.module';
import { GrantsModule } from './grants/grants.module';
import { KeysModule } from './keys/keys.module';
import { KvModule } from './kv/kv.module';
import { TokenConfigModule } from './token.config';
import { TOKEN_PERSISTENCE } from './token.persistence';

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
        TokenConfigModule.forRoot(config),
        ClockModule,
        KvModule.forRoot({ redisUrl: config.redisUrl, prefix: KV_PREFIX }),
        KeysModule.forRoot(config.keyEncryptionKey),
        GrantsModule,
      ],
      providers: [databaseReadiness(), busReadiness()],
    };
  }
}
