import { DynamicModule, Module } from '@nestjs/common';
import {
  DEFAULT_KEY_ROTATION,
  type KeyRotationConfig,
  type PlatformConfig,
} from '@latchkey/config';

/** DI token of the service's {@link TokenConfig}. */
export const TOKEN_CONFIG = 'LATCHKEY_TOKEN_CONFIG';

/** What the token service's protocol code reads from the platform configuration. */
export interface TokenConfig {
  /** The issuer identifier (no trailing slash): `iss` of every token, `aud` of client assertions. */
  issuer: string;
  /** Signing-key rotation; DEFAULT_KEY_ROTATION when absent. */
  keyRotation?: KeyRotationConfig;
}

@Module({})
export class TokenConfigModule {
  static forRoot(config: Pick<PlatformConfig, 'issuer' | 'keyRotation'>): DynamicModule {
    const tokenConfig: TokenConfig = {
      issuer: config.issuer,
      keyRotation: config.keyRotation ?? { ...DEFAULT_KEY_ROTATION },
    };
    return {
      module: TokenConfigModule,
      global: true,
      providers: [{ provide: TOKEN_CONFIG, useValue: tokenConfig }],
      exports: [TOKEN_CONFIG],
    };
  }
}
