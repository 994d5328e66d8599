import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A local user's link to an upstream identity: the upstream's `iss` (for OAuth 2.0 without
 * OpenID Connect, the origin of its authorization endpoint) and its stable subject.
 */
@Entity({ name: 'federated_identities' })
export class FederatedIdentityEntity {
  @PrimaryColumn('text')
  issuer: string;

  @PrimaryColumn('text')
  subject: string;

  @Column('text', { name: 'provider_id' })
  providerId: string;

  @Column('text', { name: 'user_id' })
  userId: string;

  /**
   * The mapped upstream groups this link put in the user's groups at its last sign-in: the next
   * sign-in replaces exactly these, leaving groups an admin gave alone.
   */
  @Column('jsonb')
  groups: string[];

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'last_login_at' })
  lastLoginAt: Date;
}
