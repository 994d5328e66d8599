import { Injectable } from '@nestjs/common';
import { SIGNING_ALGORITHMS } from '@latchkey/contracts';

/**
 * OpenID Connect Discovery 1.0 / RFC 8414 metadata. Lists only what this server really serves;
 * each capability adds its endpoint and parameters here when it lands.
 */
@Injectable()
export class DiscoveryService {
  constructor(private readonly issuer: string) {}

  document(): Record<string, unknown> {
    const issuer = this.issuer;
    return {
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [...SIGNING_ALGORITHMS],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
    };
  }
}
