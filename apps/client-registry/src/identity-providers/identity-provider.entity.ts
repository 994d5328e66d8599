import { Column, Entity, PrimaryColumn } from 'typeorm';
import type {
  ClaimMapping,
  IdentityProviderKind,
  LdapSettings,
  UpstreamClientAuthMethod,
} from '@latchkey/contracts';

/** An upstream identity provider users may sign in through (docs/identity-providers.md). */
@Entity({ name: 'identity_providers' })
export class IdentityProviderEntity {
  @PrimaryColumn('text')
  id: string;

  /** Insertion order for list cursors. */
  @Column({ type: 'bigint', insert: false, update: false })
  seq: string;

  @Column('text')
  kind: IdentityProviderKind;

  @Column('text', { name: 'display_name' })
  displayName: string;

  @Column('boolean')
  enabled: boolean;

  /** null: every client. */
  @Column('jsonb', { name: 'client_ids', nullable: true })
  clientIds: string[] | null;

  @Column('jsonb')
  domains: string[];

  @Column('text', { nullable: true })
  issuer: string | null;

  @Column('text', { name: 'authorization_endpoint', nullable: true })
  authorizationEndpoint: string | null;

  @Column('text', { name: 'token_endpoint', nullable: true })
  tokenEndpoint: string | null;

  @Column('text', { name: 'userinfo_endpoint', nullable: true })
  userinfoEndpoint: string | null;

  @Column('text', { name: 'jwks_uri', nullable: true })
  jwksUri: string | null;

  /** null for `ldap`. */
  @Column('text', { name: 'client_id', nullable: true })
  clientId: string | null;

  @Column('text', { name: 'client_auth_method' })
  clientAuthMethod: UpstreamClientAuthMethod;

  /**
   * The client secret (`ldap`: the bind password), AES-256-GCM under KEY_ENCRYPTION_KEY with the
   * provider id as associated data; never returned.
   */
  @Column('text', { name: 'client_secret_sealed', nullable: true })
  clientSecretSealed: string | null;

  @Column('jsonb')
  scopes: string[];

  @Column('text', { name: 'subject_claim' })
  subjectClaim: string;

  @Column('jsonb', { name: 'claim_mapping' })
  claimMapping: ClaimMapping;

  @Column('boolean', { name: 'use_userinfo' })
  useUserinfo: boolean;

  @Column('boolean', { name: 'link_by_verified_email' })
  linkByVerifiedEmail: boolean;

  /** `ldap` only: how to reach and search the directory. */
  @Column('jsonb', { nullable: true })
  ldap: LdapSettings | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}
