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
  /**
   * Seconds after its rotation during which a refresh token still gets its successor again
   * (docs/architecture.md §3); 0: never. DEFAULT_SETTINGS' value when absent.
   */
  refreshTokenReuseWindowSeconds?: number;
}

@Module({})
export class TokenConfigModule {
  static forRoot(
    config: Pick<PlatformConfig, 'issuer' | 'keyRotation' | 'refreshTokenReuseWindowSeconds'>,
  ): DynamicModule {
    const tokenConfig: TokenConfig = {
      issuer: config.issuer,
      keyRotation: config.keyRotation ?? { ...DEFAULT_KEY_ROTATION },
      refreshTokenReuseWindowSeconds: config.refreshTokenReuseWindowSeconds,
    };
    return {
      module: TokenConfigModule,
      global: true,
      providers: [{ provide: TOKEN_CONFIG, useValue: tokenConfig }],
      exports: [TOKEN_CONFIG],
    };
  }
}
