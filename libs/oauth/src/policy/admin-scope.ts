/**
 * The admin scope (docs/architecture.md §3): it opens the platform's admin API, so it is granted
 * only by client_credentials, for the issuer as audience, and never through a user flow.
 */
import { InvalidScope } from '../errors/oauth-error';

/** The scope an access token needs for the admin API. */
export const ADMIN_SCOPE = 'admin';

/** The one grant type that may carry {@link ADMIN_SCOPE}. */
export const ADMIN_GRANT_TYPE = 'client_credentials';

/** A user flow (authorize, code issuance) never asks for or mints `admin`. */
export function checkNoAdminScopeInUserFlow(scopes: ReadonlySet<string>): void {
  if (scopes.has(ADMIN_SCOPE)) {
    throw new InvalidScope(`${ADMIN_SCOPE} is never granted through a user flow`);
  }
}

/**
 * Whether a client registered for these grant types may hold `admin`: only one whose sole grant
 * type is client_credentials, so that no user flow of the same client can ever reach it.
 */
export function mayHoldAdminScope(grantTypes: readonly string[]): boolean {
  return grantTypes.every((grant) => grant === ADMIN_GRANT_TYPE);
}
