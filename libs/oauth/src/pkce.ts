/**
 * Proof Key for Code Exchange (RFC 7636), S256 only.
 *
 * `plain` is refused everywhere: it protects nothing once the authorization request leaks, and
 * RFC 9700 §2.1.1 tells servers to prefer S256. Since RFC 7636 §4.3 makes `plain` the default when
 * code_challenge_method is omitted, a challenge without a method is refused too.
 */
import { constantTimeEqual } from './constant-time';
import { InvalidGrant, InvalidRequest } from './errors/oauth-error';
import { sha256Base64Url } from './hash';

export type CodeChallengeMethod = 'S256';

/** RFC 7636 §4.1: code-verifier = 43*128unreserved; §4.2 gives the challenge the same alphabet. */
const PKCE_VALUE = /^[A-Za-z0-9\-._~]{43,128}$/;

/** RFC 7636 §4.1 syntax of code_verifier. */
export function isValidCodeVerifier(value: unknown): value is string {
  return typeof value === 'string' && PKCE_VALUE.test(value);
}

/** RFC 7636 §4.2 syntax of code_challenge. */
export function isValidCodeChallenge(value: unknown): value is string {
  return typeof value === 'string' && PKCE_VALUE.test(value);
}

/** RFC 7636 §4.2: code_challenge = BASE64URL-ENCODE(SHA256(ASCII(code_verifier))). */
export function computeS256Challenge(verifier: string): string {
  return sha256Base64Url(verifier);
}

export interface PkceAuthorizationParams {
  codeChallenge?: string;
  codeChallengeMethod?: string;
  /** Public clients must use PKCE (docs/architecture.md §3); confidential clients may. */
  required: boolean;
}

/**
 * Authorization endpoint check (RFC 7636 §4.4.1): returns the challenge to bind to the code, or
 * undefined when the client sent none and is allowed to. Errors are invalid_request.
 */
export function checkPkceAuthorizationParams(
  params: PkceAuthorizationParams,
): { challenge: string; method: CodeChallengeMethod } | undefined {
  const challenge = params.codeChallenge || undefined;
  const method = params.codeChallengeMethod || undefined;
  if (challenge === undefined) {
    if (method !== undefined) {
      throw new InvalidRequest('code_challenge_method was sent without code_challenge');
    }
    if (params.required) throw new InvalidRequest('code_challenge is required (PKCE with S256)');
    return undefined;
  }
  if (method === undefined) {
    // Omitting the method means `plain` (RFC 7636 §4.3), which is not supported.
    throw new InvalidRequest('code_challenge_method is required and must be S256');
  }
  if (method !== 'S256') {
    throw new InvalidRequest('unsupported code_challenge_method; only S256 is allowed');
  }
  if (!isValidCodeChallenge(challenge)) {
    throw new InvalidRequest('code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]');
  }
  return { challenge, method: 'S256' };
}

export interface PkceVerification {
  /** The code_challenge bound to the authorization code, if any. */
  challenge?: string | null;
  /** The code_challenge_method bound to the authorization code. */
  method?: string | null;
  /** The code_verifier sent to the token endpoint, if any. */
  verifier?: string | null;
}

/**
 * Token endpoint check (RFC 7636 §4.6). Passes silently when neither side used PKCE; whether PKCE
 * was required was decided when the code was issued.
 */
export function verifyPkce({ challenge, method, verifier }: PkceVerification): void {
  // RFC 6749 §3.1: a parameter without a value is treated as omitted.
  const stored = challenge || undefined;
  const sent = verifier || undefined;

  if (sent !== undefined && !isValidCodeVerifier(sent)) {
    throw new InvalidRequest('code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~]');
  }
  if (stored === undefined) {
    // A verifier for a code issued without a challenge is a PKCE downgrade attempt
    // (RFC 9700 §2.1.1, §4.8.2): the attacker stripped the challenge from the request.
    if (sent !== undefined) {
      throw new InvalidGrant(
        'code_verifier sent but the authorization request had no code_challenge',
      );
    }
    return;
  }
  if (sent === undefined) {
    throw new InvalidGrant('code_verifier is required for this authorization code');
  }
  if (method !== 'S256') {
    throw new InvalidGrant('the authorization code was bound with an unsupported PKCE method');
  }
  if (!constantTimeEqual(computeS256Challenge(sent), stored)) {
    throw new InvalidGrant('PKCE verification failed');
  }
}
