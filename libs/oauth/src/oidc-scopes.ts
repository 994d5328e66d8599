/**
 * The scopes OpenID Connect defines (Core §5.4 and §11). Each one concerns an end-user (their
 * identity, their claims, offline access on their behalf), so a grant without an end-user never
 * carries them.
 */
import { InvalidScope } from './errors/oauth-error';

/** Makes a request an OpenID Connect request (Core §3.1.2.1): an id_token follows. */
export const OPENID_SCOPE = 'openid';
/** Asks for a refresh token (Core §11). */
export const OFFLINE_ACCESS_SCOPE = 'offline_access';

export const OIDC_SCOPES = [
  OPENID_SCOPE,
  'profile',
  'email',
  'address',
  'phone',
  OFFLINE_ACCESS_SCOPE,
];

const OIDC_SCOPE_SET: ReadonlySet<string> = new Set(OIDC_SCOPES);

export function isOidcScope(scope: string): boolean {
  return OIDC_SCOPE_SET.has(scope);
}

/** The scopes that are not OpenID Connect scopes, in their original order. */
export function withoutOidcScopes(scopes: Iterable<string>): string[] {
  return [...new Set(scopes)].filter((scope) => !isOidcScope(scope));
}

/**
 * RFC 6749 §4.4: client_credentials acts for the client itself; there is no user whose identity
 * or claims these scopes could release. Names the offending scopes (they are fixed words).
 */
export function checkNoOidcScopes(requested: Iterable<string>): void {
  const oidc = [...new Set(requested)].filter(isOidcScope);
  if (oidc.length > 0) {
    throw new InvalidScope(
      `OpenID Connect scopes are not granted without an end-user: ${oidc.join(' ')}`,
    );
  }
}
