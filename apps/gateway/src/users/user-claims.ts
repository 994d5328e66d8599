import type { User } from './user';

/** OIDC Core §5.1 standard claims this platform holds about a user. */
export interface StandardClaims {
  sub: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  preferred_username?: string;
  /** Seconds since the epoch (OIDC Core §5.1). */
  updated_at?: number;
  email?: string;
  email_verified?: boolean;
}

/**
 * OIDC Core §5.4: the claims each scope releases, for the id_token and userinfo. `sub` is always
 * released; claims the user has no value for are left out rather than sent as null (§5.3.2), and
 * `email_verified` only accompanies an address.
 */
export function claimsFor(user: User, scopes: ReadonlySet<string>): StandardClaims {
  const claims: StandardClaims = { sub: user.id };
  if (scopes.has('profile')) Object.assign(claims, profileClaims(user));
  if (scopes.has('email')) Object.assign(claims, emailClaims(user));
  return claims;
}

function profileClaims(user: User): Partial<StandardClaims> {
  return withoutNulls({
    name: user.name,
    given_name: user.givenName,
    family_name: user.familyName,
    preferred_username: user.username,
    updated_at: Math.floor(user.updatedAt.getTime() / 1000),
  });
}

function emailClaims(user: User): Partial<StandardClaims> {
  if (user.email === null) return {};
  return { email: user.email, email_verified: user.emailVerified };
}

function withoutNulls<T extends object>(values: T): Partial<{ [K in keyof T]: NonNullable<T[K]> }> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null)) as Partial<{
    [K in keyof T]: NonNullable<T[K]>;
  }>;
}
