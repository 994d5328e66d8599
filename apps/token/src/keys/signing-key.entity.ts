import type { JWK } from 'jose';
import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * `next`: published, not signing yet; `active`: signs (one per algorithm); `retired`: published
 * until `publish_until`, while tokens it signed can still be alive.
 */
export type SigningKeyStatus = 'next' | 'active' | 'retired';

@Entity({ name: 'signing_keys' })
export class SigningKeyEntity {
  @PrimaryColumn('text')
  kid: string;

  @Column('text')
  alg: string;

  @Column('text')
  status: SigningKeyStatus;

  /** Public JWK as published in the JWKS. */
  @Column('jsonb', { name: 'public_jwk' })
  publicJwk: JWK;

  /** Private JWK, AES-256-GCM sealed with KEY_ENCRYPTION_KEY (see KeyEncryption). */
  @Column('text', { name: 'private_jwk_sealed' })
  privateJwkSealed: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /**
   * For a `next` key: when it becomes the active one. For an active or retired key: when it
   * became active (null for a key created active: `createdAt`).
   */
  @Column('timestamptz', { name: 'activate_at', nullable: true })
  activateAt: Date | null;

  /** After this instant the key is no longer published (every token it signed has expired). */
  @Column('timestamptz', { name: 'publish_until', nullable: true })
  publishUntil: Date | null;
}
