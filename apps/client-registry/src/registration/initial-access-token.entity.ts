import type { GrantType } from '@latchkey/oauth';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** RFC 7591 §3 initial access token, stored as a hash; it may register `maxUses` clients. */
@Entity({ name: 'initial_access_tokens' })
export class InitialAccessTokenEntity {
  @PrimaryColumn('text', { name: 'token_hash' })
  tokenHash: string;

  @Column('integer', { name: 'max_uses' })
  maxUses: number;

  @Column('integer')
  uses: number;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  /** The registration policy (registration-rules.ts); null: the default. */
  @Column('text', { nullable: true })
  scope: string | null;

  @Column('jsonb', { name: 'grant_types', nullable: true })
  grantTypes: GrantType[] | null;

  @Column('text', { name: 'default_resource', nullable: true })
  defaultResource: string | null;
}
