import { type DynamicModule, Module, type ModuleMetadata, type Provider } from '@nestjs/common';
import { CorsPolicy } from './cors';
import { IntrospectionController } from './introspection.controller';
import { JwksController } from './jwks.controller';
import { RevocationController } from './revocation.controller';
import { TokenController } from './token.controller';

export interface OAuthEndpointsOptions {
  /** Modules whose providers the implementations need. */
  imports?: ModuleMetadata['imports'];
  /** TokenEndpoint, IntrospectionEndpoint, RevocationEndpoint, PublicKeySet and CorsOrigins. */
  providers: Provider[];
}

/**
 * `POST /token` (RFC 6749 §3.2), `POST /introspect` (RFC 7662, RFC 9701), `POST /revoke`
 * (RFC 7009) and the key set (RFC 7517) over HTTP, answered by the implementations given.
 * The issuer (the Basic and Bearer realm) comes from IssuerModule. Token and revocation answer
 * browser apps of the origins clients registered (CORS); introspection is server-to-server only.
 */
@Module({})
export class OAuthEndpointsModule {
  static register(options: OAuthEndpointsOptions): DynamicModule {
    return {
      module: OAuthEndpointsModule,
      imports: options.imports ?? [],
      controllers: [TokenController, IntrospectionController, RevocationController, JwksController],
      providers: [CorsPolicy, ...options.providers],
    };
  }
}
