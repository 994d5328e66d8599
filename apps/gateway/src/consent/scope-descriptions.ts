import type { ResourceView } from '@latchkey/contracts';
import { ownerOf } from '@latchkey/oauth';
import type { ConsentScope, ConsentScopeGroup } from '../pages/consent.page';

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
 * The consent page's list, grouped: the scopes of the user's account first (OpenID Connect
 * scopes in words, openid first since the rest refines it), then one group per API, named by
 * its resource, each scope with the description the resource registered for it (by name when
 * it has none).
 */
export function describeScopes(
  scopes: readonly string[],
  resources: readonly ResourceView[],
): ConsentScopeGroup[] {
  const account: ConsentScope[] = [];
  const apis = new Map<ResourceView, ConsentScope[]>();
  for (const scope of [...scopes].sort((a, b) => rank(a) - rank(b))) {
    const resource = ownerOf(scope, resources);
    if (!resource) {
      account.push({ scope, description: DESCRIPTIONS[scope] ?? permission(scope) });
      continue;
    }
    const group = apis.get(resource) ?? [];
    group.push({ scope, description: resource.scope_descriptions?.[scope] ?? permission(scope) });
    apis.set(resource, group);
  }
  const groups: ConsentScopeGroup[] = account.length > 0 ? [{ scopes: account }] : [];
  for (const [resource, described] of apis) groups.push({ api: resource.name, scopes: described });
  return groups;
}

function permission(scope: string): string {
  return `Use the “${scope}” permission on your behalf`;
}

function rank(scope: string): number {
  const known = Object.keys(DESCRIPTIONS).indexOf(scope);
  return known < 0 ? Object.keys(DESCRIPTIONS).length : known;
}
