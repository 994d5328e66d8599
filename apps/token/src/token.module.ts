import { DynamicModule, Module } from '@nestjs/common';
import type { PlatformConfig } from '@latchkey/config';
import { Services } from '@latchkey/contracts';
import { busReadiness, databaseReadiness, platformImports } from '@latchkey/observability';
import { PersistenceModule } from '@latchkey/persistence';
import { KeysModule } from './keys/keys.module';
import { TOKEN_PERSISTENCE } from './token.persistence';

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
        KeysModule.forRoot(config.keyEncryptionKey),
      ],
      providers: [databaseReadiness(), busReadiness()],
    };
  }
}
