import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A scope that releases claims read from user attributes (docs/architecture.md §7). */
@Entity({ name: 'claim_scopes' })
export class ClaimScopeEntity {
  @PrimaryColumn('text')
  name: string;

  /** Insertion order for list cursors. */
  @Column({ type: 'bigint', insert: false, update: false })
  seq: string;

  @Column('text', { nullable: true })
  description: string | null;

  /** Claim name → user attribute name. */
  @Column('jsonb')
  claims: Record<string, string>;

  /** Listed in discovery's scopes_supported. */
  @Column('boolean')
  public: boolean;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}
