import { OAuthError, TemporarilyUnavailable } from '@latchkey/oauth';
import { ErrorRedirect } from '../errors/error-redirect';
import type { RedirectTarget } from './authorization-request';

/**
 * `redirectUri` with response parameters added to its query (RFC 6749 §3.1.2: a registered query
 * is kept; §4.1.2: form-encoded). Built by string so that the registered URI, which was matched
 * exactly, is not re-serialised by a URL parser.
 */
export function withQueryParams(
  redirectUri: string,
  params: Readonly<Record<string, string | undefined>>,
): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) query.append(name, value);
  }
  const separator = !redirectUri.includes('?')
    ? '?'
    : redirectUri.endsWith('?') || redirectUri.endsWith('&')
      ? ''
      : '&';
  return `${redirectUri}${separator}${query.toString()}`;
}

/** RFC 6749 §4.1.2 with RFC 9207: the code, the client's state, and who issued it. */
export function successRedirect(target: RedirectTarget, code: string, issuer: string): string {
  return withQueryParams(target.redirect_uri, { code, state: target.state, iss: issuer });
}

/** RFC 6749 §4.1.2.1 with RFC 9207. */
export function errorRedirect(target: RedirectTarget, error: OAuthError, issuer: string): string {
  return withQueryParams(target.redirect_uri, {
    error: error.error,
    error_description: error.description,
    state: target.state,
    iss: issuer,
  });
}

/**
 * Once the redirect URI is proven, an error of the request goes back to the client as an
 * ErrorRedirect (docs/architecture.md §3); a backend's (503, any 5xx) and anything that is not an
 * OAuthError stay with us, to be shown on the error page. Answers what to throw.
 */
export function toClient(target: RedirectTarget, err: unknown, issuer: string): unknown {
  if (err instanceof OAuthError && !(err instanceof TemporarilyUnavailable) && err.status < 500) {
    return new ErrorRedirect(errorRedirect(target, err, issuer), err);
  }
  return err;
}
