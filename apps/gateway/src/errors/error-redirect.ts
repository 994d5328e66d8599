import type { OAuthError } from '@latchkey/oauth';

/**
 * An authorization-endpoint error that goes back to the client (RFC 6749 §4.1.2.1): only once
 * client_id and redirect_uri are proven, as a 303 to `location`, which already carries `error`,
 * `error_description`, `state` and `iss`.
 */
export class ErrorRedirect extends Error {
  constructor(
    readonly location: string,
    readonly error: OAuthError,
  ) {
    super(`redirecting ${error.error} to the client`);
    this.name = 'ErrorRedirect';
  }
}
