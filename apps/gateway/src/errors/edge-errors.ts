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
