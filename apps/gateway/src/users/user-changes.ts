import type { AttributeValue, UserAttributes } from './user';
import type { UpdateUserDto } from './user.dto';
import type { UserEntity } from './user.entity';
import { canonicalUsername, usernameKey } from './username';
import type { UserChanges } from './users.repository';

/**
 * The column changes an admin patch makes to `current` (RFC 7396: absent keeps, null clears), or
 * undefined when it changes nothing. `passwordHash` is the new password's hash, when there is one.
 * Rules: a new address is unverified unless the patch says otherwise; updated_at moves only when
 * something changed.
 */
export function userChanges(
  current: UserEntity,
  patch: UpdateUserDto,
  passwordHash: string | undefined,
  now: Date,
): UserChanges | undefined {
  const changes: UserChanges = {};
  if (patch.username !== undefined) {
    const username = canonicalUsername(patch.username);
    if (username !== current.username) {
      changes.username = username;
      changes.usernameNormalized = usernameKey(username);
    }
  }
  if (passwordHash !== undefined) changes.passwordHash = passwordHash;
  const email = patch.email === undefined ? current.email : patch.email;
  if (email !== current.email) {
    changes.email = email;
    changes.emailVerified = patch.email_verified ?? false;
  } else if (patch.email_verified !== undefined && patch.email_verified !== current.emailVerified) {
    changes.emailVerified = patch.email_verified;
  }
  setIfChanged(changes, 'name', current.name, patch.name);
  setIfChanged(changes, 'givenName', current.givenName, patch.given_name);
  setIfChanged(changes, 'familyName', current.familyName, patch.family_name);
  setIfChanged(changes, 'disabled', current.disabled, patch.disabled);
  if (patch.groups !== undefined && !sameJson(patch.groups, current.groups)) {
    changes.groups = patch.groups;
  }
  if (patch.roles !== undefined && !sameJson(patch.roles, current.roles)) {
    changes.roles = patch.roles;
  }
  if (
    patch.resource_roles !== undefined &&
    !sameJson(patch.resource_roles, current.resourceRoles)
  ) {
    changes.resourceRoles = patch.resource_roles;
  }
  if (patch.attributes !== undefined) {
    const attributes = mergeAttributes(current.attributes, patch.attributes);
    if (!sameJson(attributes, current.attributes)) changes.attributes = attributes;
  }
  if (Object.keys(changes).length === 0) return undefined;
  changes.updatedAt = now;
  return changes;
}

/** RFC 7396 on the attributes object: a null member removes that attribute. */
export function mergeAttributes(
  current: UserAttributes,
  patch: Record<string, AttributeValue | null>,
): UserAttributes {
  const merged: UserAttributes = { ...current };
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete merged[name];
    else merged[name] = value;
  }
  return merged;
}

/** Equal as JSON with sorted keys (jsonb does not keep key order). */
function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sorted((value as Record<string, unknown>)[key])]),
  );
}

function setIfChanged<K extends keyof UserChanges>(
  changes: UserChanges,
  key: K,
  current: UserChanges[K],
  next: UserChanges[K] | undefined,
): void {
  if (next !== undefined && next !== current) changes[key] = next;
}

/** The API names of the members a change touched, for `user.updated` (names only, no values). */
export function changedUserFields(changes: UserChanges): string[] {
  const names: Record<string, string | undefined> = {
    username: 'username',
    passwordHash: 'password',
    email: 'email',
    emailVerified: 'email_verified',
    name: 'name',
    givenName: 'given_name',
    familyName: 'family_name',
    disabled: 'disabled',
    groups: 'groups',
    roles: 'roles',
    resourceRoles: 'resource_roles',
    attributes: 'attributes',
  };
  const changed = Object.keys(changes).flatMap((key) => names[key] ?? []);
  return [...new Set(changed)].sort();
}
