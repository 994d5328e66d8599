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
