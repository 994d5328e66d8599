import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An API resource: its identifier is the `aud` of the access tokens issued for it. */
@Entity({ name: 'resources' })
export class ResourceEntity {
  @PrimaryColumn('text')
  identifier: string;

  /** Insertion order for list cursors. */
  @Column({ type: 'bigint', insert: false, update: false })
  seq: string;

  @Column('text')
  name: string;

  @Column('jsonb')
  scopes: string[];

  /** Roles users can be given for this resource (docs/architecture.md §7). */
  @Column('jsonb')
  roles: string[];

  /** Consent-page text per scope (docs/architecture.md §4). */
  @Column('jsonb', { name: 'scope_descriptions' })
  scopeDescriptions: Record<string, string>;

  @Column('integer', { name: 'access_token_lifetime' })
  accessTokenLifetime: number;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}
