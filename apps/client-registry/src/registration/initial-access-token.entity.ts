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
}
