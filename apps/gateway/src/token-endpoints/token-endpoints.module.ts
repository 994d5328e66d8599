import { RegisteredCorsOrigins } from '@latchkey/registry-client';
import {
  CorsOrigins,
  IntrospectionEndpoint,
  OAuthEndpointsModule,
  PublicKeySet,
  RevocationEndpoint,
  TokenEndpoint,
} from '@latchkey/oauth-http';
import { ClientsModule } from '../clients/clients.module';
import { JwksService } from '../well-known/jwks.service';
import { WellKnownModule } from '../well-known/well-known.module';
import {
  IntrospectionEndpointOverBus,
  RevocationEndpointOverBus,
  TokenEndpointOverBus,
} from './endpoints-over-bus';

/**
 * `/token`, `/introspect`, `/revoke` and the key set at the gateway, for deployments that send
 * every path to it (embedded mode, no path-routing ingress): the token service answers over the
 * bus; the key set is the gateway's cached copy.
 */
export const TokenEndpointsModule = OAuthEndpointsModule.register({
  imports: [WellKnownModule, ClientsModule],
  providers: [
    { provide: TokenEndpoint, useClass: TokenEndpointOverBus },
    { provide: IntrospectionEndpoint, useClass: IntrospectionEndpointOverBus },
    { provide: RevocationEndpoint, useClass: RevocationEndpointOverBus },
    { provide: PublicKeySet, useExisting: JwksService },
    { provide: CorsOrigins, useClass: RegisteredCorsOrigins },
  ],
});
