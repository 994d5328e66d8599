import type { JSONWebKeySet } from 'jose';

export type JwksResponse = JSONWebKeySet;

/** JWS algorithms the token service can sign with; RS256 is the default (OIDC Core §15.1). */
export const SIGNING_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];
export const DEFAULT_SIGNING_ALGORITHM: SigningAlgorithm = 'RS256';
