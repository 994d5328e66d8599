import { InvalidToken, OAuthError } from '@latchkey/oauth';

/**
 * RFC 6750 §3.1: a request with no Bearer credentials at all. It is still `invalid_token` (401),
 * but the challenge carries no error code, which tells the client to authenticate rather than
 * that its token was refused.
 */
export class MissingBearerToken extends InvalidToken {
  constructor(description = 'a Bearer access token is required') {
    super(description);
  }
}

/** RFC 9110 §15.5.6: the resource exists but not for this method; the filter adds `Allow`. */
export class MethodNotAllowed extends OAuthError {
  constructor(readonly allowed: readonly string[]) {
    super(405, 'invalid_request', `this endpoint accepts only ${allowed.join(', ')}`);
  }
}

/** Retry-After of a 429 whose limiter did not say when it ends. */
export const DEFAULT_RETRY_AFTER_SECONDS = 60;

/**
 * The one answer to a rate limit anywhere at the edge (login limits, and any 429 the framework or
 * another service produces): 429 with Retry-After (RFC 6585 §4) and `temporarily_unavailable`,
 * the RFC 6749 code for "cannot handle the request now"; `slow_down` is RFC 8628's answer to
 * device-flow polling, which this server does not offer. JSON at the token, revocation and
 * introspection endpoints, the error page on the login page.
 */
export class TooManyRequests extends OAuthError {
  constructor(
    readonly retryAfterSeconds: number = DEFAULT_RETRY_AFTER_SECONDS,
    description = 'too many attempts; try again later',
  ) {
    super(429, 'temporarily_unavailable', description);
  }
}
