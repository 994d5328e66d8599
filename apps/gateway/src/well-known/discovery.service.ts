import { Inject, Injectable } from '@nestjs/common';
import { SIGNING_ALGORITHMS } from '@latchkey/contracts';
import {
  GROUPS_CLAIM,
  GROUPS_SCOPE,
  STANDARD_SCOPE_CLAIMS,
  TOKEN_ENDPOINT_AUTH_METHODS,
  userinfoEndpoint,
} from '@latchkey/oauth';
import { ClaimScopesCache } from '@latchkey/registry-client';
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

/**
 * Scopes users can consent to: OIDC's, `groups`, then the claim scopes an operator marked
 * public (docs/architecture.md §7). API scopes are the operator's and not advertised.
 */
const SCOPES_SUPPORTED = [
  'openid',
  'profile',
  'email',
  'address',
  'phone',
  'offline_access',
  GROUPS_SCOPE,
] as const;

/**
 * Claims of ID Tokens and userinfo (OIDC Core §2, §5.1), `groups`, then the claims of the public
 * claim scopes.
 */
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
  ...Object.values(STANDARD_SCOPE_CLAIMS).flat(),
  GROUPS_CLAIM,
] as const;

/**
 * OpenID Connect Discovery 1.0 / RFC 8414 metadata. Lists only what this server really serves;
 * each capability adds its endpoint and parameters here when it lands.
 */
@Injectable()
export class DiscoveryService {
  /** Built once: besides the public claim scopes, the metadata depends only on the issuer. */
  private readonly metadata: Readonly<Record<string, unknown>>;

  constructor(
    @Inject(ISSUER) issuer: string,
    private readonly claimScopes: ClaimScopesCache,
  ) {
    this.metadata = Object.freeze(buildMetadata(issuer));
  }

  async document(): Promise<Readonly<Record<string, unknown>>> {
    const published = [...(await this.claimScopes.all()).values()].filter((scope) => scope.public);
    if (published.length === 0) return this.metadata;
    return {
      ...this.metadata,
      scopes_supported: [...SCOPES_SUPPORTED, ...published.map((scope) => scope.name)],
      claims_supported: [
        ...new Set([
          ...CLAIMS_SUPPORTED,
          ...published.flatMap((scope) => Object.keys(scope.claims)),
        ]),
      ],
    };
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
    // OIDC Core §5.5, within the granted scopes (docs/architecture.md §7).
    claims_parameter_supported: true,
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
