import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The scopes a user has allowed a client (remembered consent), one row per user and client. */
@Entity({ name: 'consents' })
export class ConsentEntity {
  @PrimaryColumn('text')
  sub: string;

  @PrimaryColumn('text', { name: 'client_id' })
  clientId: string;

  @Column('text', { array: true })
  scopes: string[];

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}
