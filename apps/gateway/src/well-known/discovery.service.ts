import { Inject, Injectable } from '@nestjs/common';
import { SIGNING_ALGORITHMS } from '@latchkey/contracts';
import { TOKEN_ENDPOINT_AUTH_METHODS, userinfoEndpoint } from '@latchkey/oauth';
import { PROMPT_VALUES } from '../authorize/authorization-request';
import { ISSUER } from '@latchkey/oauth-http';

/**
 * Client authentication at revocation: the token endpoint's methods, `none` included, as a
 * public client may revoke its own tokens (RFC 7009 §5).
 */
const REVOCATION_AUTH_METHODS = TOKEN_ENDPOINT_AUTH_METHODS;

/** Introspection is for clients that can authenticate (RFC 7662 §2.1): no `none`. */
const INTROSPECTION_AUTH_METHODS = TOKEN_ENDPOINT_AUTH_METHODS.filter(
  (method) => method !== 'none',
);

/** Grant types the token service answers. */
const GRANT_TYPES_SERVED = ['authorization_code', 'refresh_token', 'client_credentials'] as const;

/** OIDC scopes users can consent to; API scopes are the operator's and not advertised. */
const SCOPES_SUPPORTED = ['openid', 'profile', 'email', 'offline_access'] as const;

/** Claims of id_tokens and userinfo (OIDC Core §2, §5.1). */
const CLAIMS_SUPPORTED = [
  'sub',
  'iss',
  'aud',
  'exp',
  'iat',
  'auth_time',
  'nonce',
  'sid',
  'amr',
  'name',
  'given_name',
  'family_name',
  'preferred_username',
  'updated_at',
  'email',
  'email_verified',
] as const;

/**
 * OpenID Connect Discovery 1.0 / RFC 8414 metadata. Lists only what this server really serves;
 * each capability adds its endpoint and parameters here when it lands.
 */
@Injectable()
export class DiscoveryService {
  /** Built once: the metadata depends only on the issuer. */
  private readonly metadata: Readonly<Record<string, unknown>>;

  constructor(@Inject(ISSUER) issuer: string) {
    this.metadata = Object.freeze(buildMetadata(issuer));
  }

  document(): Readonly<Record<string, unknown>> {
    return this.metadata;
  }
}

function buildMetadata(issuer: string): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: userinfoEndpoint(issuer),
    token_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
    // RFC 8414 §2: the algorithms private_key_jwt client assertions may be signed with.
    token_endpoint_auth_signing_alg_values_supported: [...SIGNING_ALGORITHMS],
    grant_types_supported: [...GRANT_TYPES_SERVED],
    registration_endpoint: `${issuer}/register`,
    scopes_supported: [...SCOPES_SUPPORTED],
    claims_supported: [...CLAIMS_SUPPORTED],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...SIGNING_ALGORITHMS],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    prompt_values_supported: [...PROMPT_VALUES],
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    claims_parameter_supported: false,
    // RFC 8414 §2 / RFC 7009: revocation, with the token endpoint's client authentication.
    revocation_endpoint: `${issuer}/revoke`,
    revocation_endpoint_auth_methods_supported: [...REVOCATION_AUTH_METHODS],
    revocation_endpoint_auth_signing_alg_values_supported: [...SIGNING_ALGORITHMS],
    // RFC 8414 §2 / RFC 7662 (RFC 9701 signed responses on Accept).
    introspection_endpoint: `${issuer}/introspect`,
    introspection_endpoint_auth_methods_supported: [...INTROSPECTION_AUTH_METHODS],
    introspection_endpoint_auth_signing_alg_values_supported: [...SIGNING_ALGORITHMS],
    // OpenID Connect RP-Initiated Logout 1.0 and Back-Channel Logout 1.0 (`sid` in every
    // Logout Token and ID Token).
    end_session_endpoint: `${issuer}/logout`,
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
  };
}
