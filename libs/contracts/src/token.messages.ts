import type { JSONWebKeySet } from 'jose';

export type JwksResponse = JSONWebKeySet;

/** JWS algorithms the token service can sign with; RS256 is the default (OIDC Core §15.1). */
export const SIGNING_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];
export const DEFAULT_SIGNING_ALGORITHM: SigningAlgorithm = 'RS256';

/**
 * A token endpoint request as the gateway received it: the form parameters untouched (a
 * repeated parameter stays an array so the token service can reject it) and the credentials.
 */
export interface TokenRequest {
  params: Record<string, string | string[]>;
  /** The raw `Authorization` header, if any (client_secret_basic). */
  authorization?: string;
  /** For audit events and rate limits. */
  ip?: string;
  user_agent?: string;
}

/** RFC 6749 §5.1 successful response. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
}

/**
 * Everything an authorization code is bound to (RFC 6749 §4.1.2, OIDC Core §3.1.2.5): the token
 * service stores it for 60 s and hands it back, once, to the client that proves the same binding.
 */
export interface IssueCodeRequest {
  client_id: string;
  redirect_uri: string;
  /**
   * Whether the authorization request carried redirect_uri (RFC 6749 §4.1.3: then the token
   * request must repeat it). Absent means true, the safe reading; false only when the client
   * omitted it and its single registered URI was used.
   */
  redirect_uri_explicit?: boolean;
  /** Granted scopes, space-delimited. */
  scope: string;
  /** PKCE (RFC 7636), S256 only. */
  code_challenge?: string;
  code_challenge_method?: 'S256';
  nonce?: string;
  /** The user. */
  sub: string;
  /** Seconds since the epoch when the user authenticated. */
  auth_time: number;
  /** SSO session id (id_token `sid`). */
  sid: string;
  amr?: string[];
  acr?: string;
  /** The upstream identity provider the user signed in through (its registry id). */
  idp?: string;
  /** RFC 8707 resource requested at the authorization endpoint, if any. */
  resource?: string;
  /** The `claims` request parameter (OIDC Core §5.5), normalized JSON; kept with the grant. */
  claims?: string;
}
export interface IssueCodeResponse {
  code: string;
  /** Seconds until the code expires. */
  expires_in: number;
}

export interface ValidateAccessTokenRequest {
  token: string;
}
export type ValidateAccessTokenResponse =
  | { active: false }
  | {
      active: true;
      sub: string;
      client_id: string;
      scope: string;
      aud: string[];
      exp: number;
      iat: number;
      jti: string;
      /** The grant the token was issued from (absent for client_credentials). */
      grant_id?: string;
      /** The grant's `claims` request parameter (OIDC Core §5.5), for userinfo. */
      claims_request?: string;
    };

export interface RevokeUserGrantsRequest {
  sub: string;
}
export interface RevokeUserGrantsResponse {
  revoked: number;
}

/** RFC 7009 / RFC 7662 requests arrive like token requests: form params and credentials. */
export type RevokeRequest = TokenRequest;
/** RFC 7009 §2.2: success is an empty 200, whether or not the token was known. */
export type RevokeResponse = Record<string, never>;
export interface IntrospectRequest extends TokenRequest {
  /** The caller sent `Accept: application/token-introspection+jwt` (RFC 9701). */
  want_jwt?: boolean;
}
/** RFC 7662 §2.2; inactive tokens are exactly `{ active: false }`. */
export type IntrospectionResponse =
  | { active: false }
  | {
      active: true;
      scope?: string;
      client_id: string;
      sub: string;
      aud: string | string[];
      iss: string;
      exp: number;
      iat: number;
      token_type: 'Bearer' | 'refresh_token';
      jti?: string;
    };
/** With `want_jwt`: the signed RFC 9701 response instead of the JSON. */
export interface IntrospectionJwtResponse {
  jwt: string;
}

export interface GrantView {
  id: string;
  client_id: string;
  sub: string;
  scope: string;
  sid?: string;
  created_at: string;
  revoked_at?: string | null;
}
export interface ListUserGrantsRequest {
  sub: string;
}
export interface ListUserGrantsResponse {
  items: GrantView[];
}
export interface RevokeGrantRequest {
  grant_id: string;
  /**
   * When set, the grant must be this user's (a user revoking an app from their account page):
   * another user's grant answers not_found, as an unknown one does.
   */
  sub?: string;
}
export interface RevokeGrantResponse {
  /** False when the grant was already revoked (the call is idempotent). */
  revoked: boolean;
}

export interface EndSessionRequest {
  sid: string;
  sub: string;
}
/** One back-channel logout token per client that holds a grant from the session. */
export interface EndSessionResponse {
  logout_tokens: { client_id: string; backchannel_logout_uri: string; logout_token: string }[];
}

export interface RotateKeysResponse {
  rotated: {
    alg: string;
    /** The new key: published in the JWKS now, signing from `activates_at` on. */
    kid: string;
    /** The key that signs until then, and stays published while its tokens can live. */
    previous_kid?: string;
    /** ISO 8601: when the new key becomes the active one (after one JWKS cache lifetime). */
    activates_at?: string;
  }[];
}
