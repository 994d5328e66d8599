import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One hash of a client secret; the plaintext was shown once and never stored. */
@Entity({ name: 'client_secrets' })
export class ClientSecretEntity {
  @PrimaryColumn('bigint', { insert: false, update: false })
  id: string;

  @Column('text', { name: 'client_id' })
  clientId: string;

  /** sha256Base64Url of the secret. */
  @Column('text')
  hash: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  /** End of a rotation grace period; null until the secret is rotated. */
  @Column('timestamptz', { name: 'expires_at', nullable: true })
  expiresAt: Date | null;
}
