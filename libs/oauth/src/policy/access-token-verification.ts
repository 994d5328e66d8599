/**
 * How every service verifies an RFC 9068 JWT access token: the gateway (admin API) and the token
 * service (userinfo, introspection, revocation) build their options here, so that a token is
 * valid or not alike wherever it is presented (docs/architecture.md §3).
 */

/** RFC 9068 §2.1: the `typ` header that tells an access token from an id_token. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/**
 * No clock tolerance: an access token is honoured until the `exp` its issuer wrote, and not a
 * second longer, by every verifier. Our tokens carry no `nbf` and their `iat` is not checked, so
 * a tolerance would only extend the life of expired (and revoked-then-forgotten) tokens; clock
 * drift between replicas only moves the moment of expiry by the drift, which costs a client at
 * most an early refresh. Introspection (RFC 7662) then never calls a token inactive that a
 * resource endpoint still accepts, or the other way round.
 */
export const ACCESS_TOKEN_CLOCK_TOLERANCE_SECONDS = 0;

/** RFC 9068 §2.2: the claims every access token carries (iss and aud are checked as values). */
export const ACCESS_TOKEN_REQUIRED_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'];

export interface AccessTokenVerificationInput {
  issuer: string;
  /** The audience the verifier stands for; undefined when any audience will do (introspection). */
  audience?: string;
  /** The signing algorithms the platform uses (an allow-list: never `none`, never HMAC). */
  algorithms: readonly string[];
  /** The verifier's clock; undefined for the system clock. */
  now?: Date;
}

/** Structurally jose's `JWTVerifyOptions` (this library does not depend on jose). */
export interface AccessTokenVerifyOptions {
  issuer: string;
  audience?: string;
  typ: string;
  algorithms: string[];
  requiredClaims: string[];
  clockTolerance: number;
  currentDate?: Date;
}

export function accessTokenVerifyOptions(
  input: AccessTokenVerificationInput,
): AccessTokenVerifyOptions {
  const options: AccessTokenVerifyOptions = {
    issuer: input.issuer,
    typ: ACCESS_TOKEN_TYP,
    algorithms: [...input.algorithms],
    requiredClaims: [...ACCESS_TOKEN_REQUIRED_CLAIMS],
    clockTolerance: ACCESS_TOKEN_CLOCK_TOLERANCE_SECONDS,
  };
  if (input.audience !== undefined) options.audience = input.audience;
  if (input.now !== undefined) options.currentDate = input.now;
  return options;
}
