import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ResourceRoles, User, UserAttributes } from './user';

@Entity({ name: 'users' })
export class UserEntity {
  /** The OIDC `sub`: a random UUID made in code (PGlite has no uuid extension). */
  @PrimaryColumn('text')
  id: string;

  /** Insertion order for list cursors (identity column; bigint arrives as a string). */
  @Column({ type: 'bigint', insert: false, update: false })
  seq: string;

  /** As registered, NFKC-normalised, case kept (`preferred_username`). */
  @Column('text')
  username: string;

  /** usernameKey(username): unique, so usernames are unique case-insensitively. */
  @Column('text', { name: 'username_normalized' })
  usernameNormalized: string;

  /**
   * argon2id PHC string (parameters and salt inside); null for a user made by an upstream
   * identity provider, who has no password here (docs/identity-providers.md).
   */
  @Column('text', { name: 'password_hash', nullable: true })
  passwordHash: string | null;

  @Column('text', { nullable: true })
  email: string | null;

  @Column('boolean', { name: 'email_verified' })
  emailVerified: boolean;

  @Column('text', { nullable: true })
  name: string | null;

  @Column('text', { name: 'given_name', nullable: true })
  givenName: string | null;

  @Column('text', { name: 'family_name', nullable: true })
  familyName: string | null;

  @Column('boolean')
  disabled: boolean;

  /** Group names (the `groups` claim), docs/architecture.md §7. */
  @Column('jsonb')
  groups: string[];

  /** Global roles: in every access token of the user. */
  @Column('jsonb')
  roles: string[];

  /** Roles per API resource identifier: in access tokens for that audience only. */
  @Column('jsonb', { name: 'resource_roles' })
  resourceRoles: ResourceRoles;

  /** Custom attributes, released as claims through the registry's claim mappings. */
  @Column('jsonb')
  attributes: UserAttributes;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}

/** The row without what only this module may see (the hash, the list sequence). */
export function toUser(entity: Omit<UserEntity, 'seq'>): User {
  return {
    id: entity.id,
    username: entity.username,
    email: entity.email,
    emailVerified: entity.emailVerified,
    name: entity.name,
    givenName: entity.givenName,
    familyName: entity.familyName,
    disabled: entity.disabled,
    groups: entity.groups,
    roles: entity.roles,
    resourceRoles: entity.resourceRoles,
    attributes: entity.attributes,
    createdAt: entity.createdAt,
    updatedAt: entity.updatedAt,
  };
}
