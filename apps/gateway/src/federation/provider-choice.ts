/**
 * Which upstream identity providers a sign-in may use, and which one a request routes to by
 * itself (docs/identity-providers.md). Pure: the flow does the I/O.
 */
import { IDENTITY_PROVIDER_ID_PATTERN, type IdentityProviderRecord } from '@latchkey/contracts';

/**
 * The authorization request parameter that sends the user straight to one provider, skipping
 * the login page: `idp_hint`, or Keycloak's `kc_idp_hint` for clients written for Keycloak.
 */
export const IDP_HINT_PARAMS = ['idp_hint', 'kc_idp_hint'] as const;

/** The hint of a request: idp_hint, else kc_idp_hint; one that names no provider is ignored. */
export function readIdpHint(
  params: Partial<Record<(typeof IDP_HINT_PARAMS)[number], string>>,
): string | undefined {
  const hint = params.idp_hint ?? params.kc_idp_hint;
  return hint !== undefined && IDENTITY_PROVIDER_ID_PATTERN.test(hint) ? hint : undefined;
}

/** Providers offered to this client: global ones and those enabled for it, in registry order. */
export function providersForClient(
  providers: readonly IdentityProviderRecord[],
  clientId: string,
): IdentityProviderRecord[] {
  return providers.filter((p) => p.client_ids === null || p.client_ids.includes(clientId));
}

/** The provider an idp_hint names, if it is offered to the client; an unknown hint is ignored. */
export function hintedProvider(
  offered: readonly IdentityProviderRecord[],
  hint: string | undefined,
): IdentityProviderRecord | undefined {
  if (hint === undefined || hint === '') return undefined;
  return offered.find((p) => p.id === hint);
}

/**
 * Home-realm discovery: the provider that serves the e-mail domain of a login_hint or of what was
 * typed as the username, when exactly one offered provider claims that domain.
 */
export function homeRealmProvider(
  offered: readonly IdentityProviderRecord[],
  emailLike: string | undefined,
): IdentityProviderRecord | undefined {
  const domain = emailDomainOf(emailLike);
  if (domain === undefined) return undefined;
  const matches = offered.filter((p) => p.domains.includes(domain));
  return matches.length === 1 ? matches[0] : undefined;
}

function emailDomainOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) return undefined;
  return value.slice(at + 1).toLowerCase();
}
