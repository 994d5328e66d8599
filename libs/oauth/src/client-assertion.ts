/**
 * private_key_jwt client assertions (RFC 7523 §3, OIDC Core §9): the rules that need no key.
 * Verifying the signature happens in the token service with the client's registered keys.
 */
import { InvalidClient } from './errors/oauth-error';

/**
 * Asymmetric JWS algorithms (RFC 7518 §3.1, RFC 8037) accepted for client assertions. `none` proves
 * nothing, and HS* would need a shared secret this server does not keep in the clear
 * (client_secret_jwt is not supported), so neither is ever accepted.
 */
export const ASYMMETRIC_JWS_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

/** The same list for client assertions; an upstream's ID Tokens are held to it too. */
export const CLIENT_ASSERTION_SIGNING_ALGS = ASYMMETRIC_JWS_ALGORITHMS;

/**
 * The latest `exp` accepted, counted from now. An assertion is a one-request credential, and its
 * `jti` must be remembered until it expires: a short bound limits both how long a leaked assertion
 * is usable and how much replay state is kept. Ten minutes still admits what common client
 * libraries produce (Microsoft's guidance: at most 5 to 10 minutes after `nbf`).
 */
export const MAX_CLIENT_ASSERTION_LIFETIME_SECONDS = 600;

/** Clock skew allowed between the client and this server on exp / nbf. */
export const CLIENT_ASSERTION_CLOCK_TOLERANCE_SECONDS = 15;

/** Longer jti values are refused rather than stored (replay keys would grow without bound). */
export const MAX_CLIENT_ASSERTION_JTI_LENGTH = 256;

/**
 * The algorithms an assertion of this client may use: the one it registered as
 * `token_endpoint_auth_signing_alg` (OIDC Registration §2), else every asymmetric one. A
 * registered algorithm outside that list (a symmetric one, `none`) authenticates nothing.
 */
export function clientAssertionAlgorithms(registered: unknown): string[] {
  if (registered === undefined || registered === null) return [...CLIENT_ASSERTION_SIGNING_ALGS];
  if (
    typeof registered === 'string' &&
    (CLIENT_ASSERTION_SIGNING_ALGS as readonly string[]).includes(registered)
  ) {
    return [registered];
  }
  throw new InvalidClient('the registered token_endpoint_auth_signing_alg is not supported');
}

/**
 * RFC 7523 §3 point 3: `aud` identifies the authorization server; its issuer identifier and its
 * token endpoint URL are both accepted.
 */
export function clientAssertionAudiences(issuer: string): string[] {
  return [issuer, `${issuer}/token`];
}

/** `exp` is required (RFC 7523 §3 point 4) and may not lie too far ahead (see the bound above). */
export function checkClientAssertionExpiry(exp: unknown, nowSeconds: number): number {
  if (typeof exp !== 'number' || !Number.isFinite(exp)) {
    throw new InvalidClient('client assertion must carry a numeric exp');
  }
  if (exp > nowSeconds + MAX_CLIENT_ASSERTION_LIFETIME_SECONDS) {
    throw new InvalidClient(
      `client assertion exp may be at most ${MAX_CLIENT_ASSERTION_LIFETIME_SECONDS} seconds ahead`,
    );
  }
  return exp;
}

/** `jti` is required so that an assertion is single use (RFC 7523 §3 point 7). */
export function checkClientAssertionJti(jti: unknown): string {
  if (typeof jti !== 'string' || jti === '') {
    throw new InvalidClient('client assertion must carry a jti');
  }
  if (jti.length > MAX_CLIENT_ASSERTION_JTI_LENGTH) {
    throw new InvalidClient(
      `client assertion jti may be at most ${MAX_CLIENT_ASSERTION_JTI_LENGTH} characters`,
    );
  }
  return jti;
}

/**
 * How long a used jti must be remembered: until the assertion would fail the expiry check anyway
 * (exp plus the clock tolerance), at least one second.
 */
export function clientAssertionReplayWindowMs(exp: number, nowMs: number): number {
  const until = (exp + CLIENT_ASSERTION_CLOCK_TOLERANCE_SECONDS) * 1000;
  return Math.max(1000, Math.ceil(until - nowMs));
}

/** The curves of EC and OKP keys that sign, and the JWS algorithm each one signs with. */
const CURVE_ALGORITHMS: Readonly<Record<string, string>> = {
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
  Ed25519: 'EdDSA',
};

/**
 * The algorithm a private JWK signs client assertions with (Latchkey as the client of an upstream
 * provider, RFC 7523): its own asymmetric `alg`, else RS256 for RSA and the curve's algorithm for
 * EC and OKP; undefined for a key that is not a private asymmetric signing key.
 */
export function jwkSigningAlgorithm(jwk: Record<string, unknown>): string | undefined {
  if (typeof jwk.d !== 'string' || jwk.d === '') return undefined;
  if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
  const byKey =
    jwk.kty === 'RSA'
      ? 'RS256'
      : (jwk.kty === 'EC' || jwk.kty === 'OKP') && typeof jwk.crv === 'string'
        ? CURVE_ALGORITHMS[jwk.crv]
        : undefined;
  if (byKey === undefined) return undefined;
  if (jwk.alg === undefined) return byKey;
  const alg = jwk.alg;
  if (typeof alg !== 'string' || !(ASYMMETRIC_JWS_ALGORITHMS as readonly string[]).includes(alg)) {
    return undefined;
  }
  // The family must fit the key: RS/PS for RSA, the curve's own for EC and OKP.
  if (jwk.kty === 'RSA') return /^(RS|PS)\d{3}$/.test(alg) ? alg : undefined;
  return alg === byKey || (byKey === 'EdDSA' && alg === 'Ed25519') ? alg : undefined;
}
