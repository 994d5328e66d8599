import type { Page } from '@latchkey/core';
/**
 * A user account as the rest of the gateway sees it (login, sessions, claims): never the password
 * hash. `id` is the OIDC `sub`: opaque, stable, never reassigned.
 */
export interface User {
  id: string;
  username: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
  /** A disabled user cannot log in; their grants and sessions were ended when it was set. */
  disabled: boolean;
  groups: string[];
  /** Global roles. */
  roles: string[];
  resourceRoles: ResourceRoles;
  attributes: UserAttributes;
  createdAt: Date;
  updatedAt: Date;
}

/** The admin API's JSON form of a user (docs/architecture.md §4): never the password or its hash. */
export interface UserView {
  id: string;
  username: string;
  email: string | null;
  email_verified: boolean;
  name: string | null;
  given_name: string | null;
  family_name: string | null;
  disabled: boolean;
  groups: string[];
  roles: string[];
  resource_roles: ResourceRoles;
  attributes: UserAttributes;
  created_at: string;
  updated_at: string;
}

/** Role names per API resource identifier (RFC 8707), each defined by that resource. */
export type ResourceRoles = Record<string, string[]>;

/** A custom attribute's value: what a claim can carry without nesting. */
export type AttributeValue = string | number | boolean | string[];
export type UserAttributes = Record<string, AttributeValue>;

export type UserPage = Page<UserView>;

export function toUserView(user: User): UserView {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    email_verified: user.emailVerified,
    name: user.name,
    given_name: user.givenName,
    family_name: user.familyName,
    disabled: user.disabled,
    groups: user.groups,
    roles: user.roles,
    resource_roles: user.resourceRoles,
    attributes: user.attributes,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}
