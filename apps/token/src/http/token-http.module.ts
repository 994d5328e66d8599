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
import { GrantsModule } from '../grants/grants.module';
import { TokenEndpointService } from '../grants/token-endpoint.service';
import { IntrospectionModule } from '../introspection/introspection.module';
import { IntrospectionService } from '../introspection/introspection.service';
import { PublishedKeySet } from '../keys/published-key-set';
import { RevocationModule } from '../revocation/revocation.module';
import { RevocationService } from '../revocation/revocation.service';

/**
 * `/token`, `/introspect`, `/revoke` and the key set served by the token service itself, on its
 * HTTP port, for an ingress that routes those paths here: no bus hop and no gateway on the
 * hottest paths (docs/architecture.md §2.7). Same HTTP behaviour as at the gateway.
 */
export const TokenHttpModule = OAuthEndpointsModule.register({
  imports: [GrantsModule, IntrospectionModule, RevocationModule, ClientsModule],
  providers: [
    { provide: TokenEndpoint, useExisting: TokenEndpointService },
    { provide: IntrospectionEndpoint, useExisting: IntrospectionService },
    { provide: RevocationEndpoint, useExisting: RevocationService },
    { provide: PublicKeySet, useExisting: PublishedKeySet },
    { provide: CorsOrigins, useClass: RegisteredCorsOrigins },
  ],
});
