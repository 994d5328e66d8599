import type { ClientMetadata } from '@latchkey/oauth';
import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'clients' })
export class ClientEntity {
  @PrimaryColumn('text', { name: 'client_id' })
  clientId: string;

  /** Insertion order for list cursors (identity column; bigint arrives as a string or bigint). */
  @Column({ type: 'bigint', insert: false, update: false })
  seq: string;

  /** RFC 7591 metadata exactly as validateClientMetadata returned it. */
  @Column('jsonb')
  metadata: ClientMetadata;

  @Column('boolean')
  disabled: boolean;

  /** SHA-256 of the RFC 7592 registration access token; null for clients made by an admin. */
  @Column('text', { name: 'registration_access_token_hash', nullable: true })
  registrationAccessTokenHash: string | null;

  /** RFC 7591 §3.2.1, seconds since the epoch. */
  @Column('bigint', { name: 'client_id_issued_at' })
  clientIdIssuedAt: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}
