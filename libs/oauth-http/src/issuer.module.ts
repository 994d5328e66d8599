import { DynamicModule, Module } from '@nestjs/common';

/** Injection token for the issuer URL (no trailing slash): the `iss` and the public base URL. */
export const ISSUER = Symbol('ISSUER');

/** Makes the issuer injectable in every module of the service that imports it. */
@Module({})
export class IssuerModule {
  static forRoot(issuer: string): DynamicModule {
    return {
      module: IssuerModule,
      global: true,
      providers: [{ provide: ISSUER, useValue: issuer }],
      exports: [ISSUER],
    };
  }
}
