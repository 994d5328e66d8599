import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A refresh token, known only by its hash. Rotation marks it used and inserts its child. */
@Entity({ name: 'refresh_tokens' })
export class RefreshTokenEntity {
  /** base64url SHA-256 of the token (it has 256 bits of entropy, so a fast hash is right). */
  @PrimaryColumn('text')
  hash: string;

  @Column('uuid', { name: 'grant_id' })
  grantId: string;

  /** The token this one replaced, for tracing a family; null for the first. */
  @Column('text', { name: 'parent_hash', nullable: true })
  parentHash: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  /** End of the family's absolute lifetime (the same for every token of a grant). */
  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  /** Unused past this instant, the token expires (never later than expiresAt). */
  @Column('timestamptz', { name: 'idle_expires_at' })
  idleExpiresAt: Date;

  /**
   * Set once, when the token is rotated; presenting it again is a retry within the reuse window,
   * reuse after it.
   */
  @Column('timestamptz', { name: 'used_at', nullable: true })
  usedAt: Date | null;

  /** The hash of the token that replaced this one, set with usedAt. */
  @Column('text', { name: 'successor_hash', nullable: true })
  successorHash: string | null;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt: Date | null;
}
