import { Inject, Injectable } from '@nestjs/common';
import { SIGNING_ALGORITHMS } from '@latchkey/contracts';
import { TOKEN_ENDPOINT_AUTH_METHODS } from '@latchkey/oauth';
import { ISSUER } from '../issuer.module';

/** Grant types the token service answers today; the authorization code flow adds its own. */
const GRANT_TYPES_SERVED = ['client_credentials'] as const;

/**
 * OpenID Connect Discovery 1.0 / RFC 8414 metadata. Lists only what this server really serves;
 * each capability adds its endpoint and parameters here when it lands.
 */
@Injectable()
export class DiscoveryService {
  constructor(@Inject(ISSUER) private readonly issuer: string) {}

  document(): Record<string, unknown> {
    const issuer = this.issuer;
    return {
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      token_endpoint: `${issuer}/token`,
      token_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
      // RFC 8414 §2: the algorithms private_key_jwt client assertions may be signed with.
      token_endpoint_auth_signing_alg_values_supported: [...SIGNING_ALGORITHMS],
      grant_types_supported: [...GRANT_TYPES_SERVED],
      registration_endpoint: `${issuer}/register`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [...SIGNING_ALGORITHMS],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
    };
  }
}
