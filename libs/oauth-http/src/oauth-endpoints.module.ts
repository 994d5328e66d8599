import { type DynamicModule, Module, type ModuleMetadata, type Provider } from '@nestjs/common';
import { IntrospectionController } from './introspection.controller';
import { JwksController } from './jwks.controller';
import { RevocationController } from './revocation.controller';
import { TokenController } from './token.controller';

export interface OAuthEndpointsOptions {
  /** Modules whose providers the implementations need. */
  imports?: ModuleMetadata['imports'];
  /** TokenEndpoint, IntrospectionEndpoint, RevocationEndpoint and PublicKeySet. */
  providers: Provider[];
}

/**
 * `POST /token` (RFC 6749 §3.2), `POST /introspect` (RFC 7662, RFC 9701), `POST /revoke`
 * (RFC 7009) and the key set (RFC 7517) over HTTP, answered by the implementations given.
 * The issuer (the Basic and Bearer realm) comes from IssuerModule.
 */
@Module({})
export class OAuthEndpointsModule {
  static register(options: OAuthEndpointsOptions): DynamicModule {
    return {
      module: OAuthEndpointsModule,
      imports: options.imports ?? [],
      controllers: [TokenController, IntrospectionController, RevocationController, JwksController],
      providers: options.providers,
    };
  }
}
