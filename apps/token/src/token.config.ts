import { DynamicModule, Module } from '@nestjs/common';
import type { PlatformConfig } from '@latchkey/config';

/** DI token of the service's {@link TokenConfig}. */
export const TOKEN_CONFIG = 'LATCHKEY_TOKEN_CONFIG';

/** What the token service's protocol code reads from the platform configuration. */
export interface TokenConfig {
  /** The issuer identifier (no trailing slash): `iss` of every token, `aud` of client assertions. */
  issuer: string;
}

@Module({})
export class TokenConfigModule {
  static forRoot(config: Pick<PlatformConfig, 'issuer'>): DynamicModule {
    const tokenConfig: TokenConfig = { issuer: config.issuer };
    return {
      module: TokenConfigModule,
      global: true,
      providers: [{ provide: TOKEN_CONFIG, useValue: tokenConfig }],
      exports: [TOKEN_CONFIG],
    };
  }
}
