import type { ConsentScope } from '../pages/consent.page';

/** What each OpenID Connect scope lets the application do, in the user's terms. */
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  openid: 'Sign you in with your account',
  profile: 'See your name and username',
  email: 'See your email address',
  address: 'See your postal address',
  phone: 'See your phone number',
  offline_access: 'Keep access to your account when you are not using it',
};

/**
 * The consent page's list: known scopes in words, API scopes (defined by the operator's
 * resources) by name, openid first since the rest refines it.
 */
export function describeScopes(scopes: readonly string[]): ConsentScope[] {
  const ordered = [...scopes].sort((a, b) => rank(a) - rank(b));
  return ordered.map((scope) => ({
    scope,
    description: DESCRIPTIONS[scope] ?? `Use the “${scope}” permission on your behalf`,
  }));
}

function rank(scope: string): number {
  const known = Object.keys(DESCRIPTIONS).indexOf(scope);
  return known < 0 ? Object.keys(DESCRIPTIONS).length : known;
}
