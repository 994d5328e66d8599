import type { ClaimScopeView } from '@latchkey/contracts';
import { GROUPS_CLAIM, GROUPS_SCOPE, STANDARD_SCOPE_CLAIMS } from '@latchkey/oauth';
import type { AttributeValue, User } from './user';

/** Standard claims (OIDC Core §5.1) whose values come from the user record itself. */
type RecordClaim =
  | 'name'
  | 'given_name'
  | 'family_name'
  | 'preferred_username'
  | 'updated_at'
  | 'email'
  | 'email_verified';

/**
 * Every claim the granted scopes release about `user`, with its value (docs/architecture.md §7):
 *
 * - the standard scopes (OIDC Core §5.4): the user record's fields, and the other standard
 *   claims (nickname, picture, locale, phone_number...) from the attribute of the same name;
 *   `address` from an `address` attribute, as its `formatted` member (§5.1.1);
 * - `groups`: the user's groups;
 * - a claim scope: each of its claims from the user attribute it maps.
 *
 * Claims the user has no value for are left out (§5.3.2); `email_verified` only goes with an
 * address. When two granted claim scopes map one claim, the first scope in name order wins.
 */
export function grantedClaims(
  user: User,
  scopes: ReadonlySet<string>,
  claimScopes: ReadonlyMap<string, ClaimScopeView>,
): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const scope of [...scopes].sort()) {
    const standard = STANDARD_SCOPE_CLAIMS[scope];
    if (standard) {
      for (const claim of standard) setIfAbsent(claims, claim, standardClaim(user, claim));
    } else if (scope === GROUPS_SCOPE) {
      claims[GROUPS_CLAIM] = [...user.groups];
    } else {
      const mapping = claimScopes.get(scope)?.claims ?? {};
      for (const [claim, attribute] of Object.entries(mapping)) {
        setIfAbsent(claims, claim, attributeOf(user, attribute));
      }
    }
  }
  return claims;
}

function standardClaim(user: User, claim: string): unknown {
  const fromRecord: Record<RecordClaim, unknown> = {
    name: user.name,
    given_name: user.givenName,
    family_name: user.familyName,
    preferred_username: user.username,
    updated_at: Math.floor(user.updatedAt.getTime() / 1000),
    email: user.email,
    email_verified: user.email === null ? undefined : user.emailVerified,
  };
  if (Object.hasOwn(fromRecord, claim)) return fromRecord[claim as RecordClaim];
  const value = attributeOf(user, claim);
  if (claim === 'address' && typeof value === 'string') return { formatted: value };
  return value;
}

function attributeOf(user: User, name: string): AttributeValue | undefined {
  return Object.hasOwn(user.attributes, name) ? user.attributes[name] : undefined;
}

function setIfAbsent(claims: Record<string, unknown>, claim: string, value: unknown): void {
  if (value === undefined || value === null || Object.hasOwn(claims, claim)) return;
  claims[claim] = value;
}

/** The claims userinfo answers without a `claims` request: `sub` and every granted claim. */
export type UserinfoClaims = { sub: string } & Record<string, unknown>;

/** `sub` and every claim `scopes` release (see grantedClaims). */
export function claimsFor(
  user: User,
  scopes: ReadonlySet<string>,
  claimScopes: ReadonlyMap<string, ClaimScopeView> = new Map(),
): UserinfoClaims {
  return { ...grantedClaims(user, scopes, claimScopes), sub: user.id };
}
