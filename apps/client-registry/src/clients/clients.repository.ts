import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ClientSecretEntity } from './client-secret.entity';
import { ClientEntity } from './client.entity';

export type NewClient = Omit<ClientEntity, 'seq'>;
export type ClientChanges = Partial<
  Pick<ClientEntity, 'metadata' | 'disabled' | 'updatedAt' | 'registrationAccessTokenHash'>
>;

/** Clients and their secret hashes (one aggregate: secrets never outlive their client). */
@Injectable()
export class ClientsRepository {
  findById(em: EntityManager, clientId: string): Promise<ClientEntity | null> {
    return em.getRepository(ClientEntity).findOneBy({ clientId });
  }

  /** Reads the client and locks its row until the transaction ends (serialises changes to it). */
  lockById(em: EntityManager, clientId: string): Promise<ClientEntity | null> {
    return em
      .getRepository(ClientEntity)
      .createQueryBuilder('client')
      .setLock('pessimistic_write')
      .where('client.client_id = :clientId', { clientId })
      .getOne();
  }

  /** The metadata of every enabled client (a disabled one gets no tokens, so allows no origin). */
  async enabledMetadata(em: EntityManager): Promise<ClientEntity['metadata'][]> {
    const rows = await em
      .getRepository(ClientEntity)
      .find({ select: { clientId: true, metadata: true }, where: { disabled: false } });
    return rows.map((row) => row.metadata);
  }

  /** `limit` rows after the given sequence number, in insertion order. */
  page(em: EntityManager, afterSeq: string | undefined, limit: number): Promise<ClientEntity[]> {
    const query = em
      .getRepository(ClientEntity)
      .createQueryBuilder('client')
      .orderBy('client.seq', 'ASC')
      .limit(limit);
    if (afterSeq !== undefined) query.where('client.seq > :afterSeq', { afterSeq });
    return query.getMany();
  }

  /** Inserts unless the id is taken (then false); concurrent inserts of one id cannot both win. */
  async insertIfAbsent(em: EntityManager, client: NewClient): Promise<boolean> {
    const rows: unknown = await em.query(
      `INSERT INTO "clients" ("client_id", "metadata", "disabled", "registration_access_token_hash",
                              "client_id_issued_at", "created_at", "updated_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT ("client_id") DO NOTHING
       RETURNING "client_id"`,
      [
        client.clientId,
        JSON.stringify(client.metadata),
        client.disabled,
        client.registrationAccessTokenHash,
        client.clientIdIssuedAt,
        client.createdAt,
        client.updatedAt,
      ],
    );
    return Array.isArray(rows) && rows.length === 1;
  }

  async update(em: EntityManager, clientId: string, changes: ClientChanges): Promise<void> {
    await em.getRepository(ClientEntity).update({ clientId }, asPartial(changes));
  }

  /** Deletes the client and (ON DELETE CASCADE) its secrets; false when there was none. */
  async delete(em: EntityManager, clientId: string): Promise<boolean> {
    const result = await em.getRepository(ClientEntity).delete({ clientId });
    return (result.affected ?? 0) > 0;
  }

  /** Secrets that still work at `now`. */
  findLiveSecrets(em: EntityManager, clientId: string, now: Date): Promise<ClientSecretEntity[]> {
    return em
      .getRepository(ClientSecretEntity)
      .createQueryBuilder('secret')
      .where('secret.client_id = :clientId', { clientId })
      .andWhere('(secret.expires_at IS NULL OR secret.expires_at > :now)', { now })
      .orderBy('secret.id', 'ASC')
      .getMany();
  }

  async addSecret(em: EntityManager, clientId: string, hash: string, now: Date): Promise<void> {
    await em
      .createQueryBuilder()
      .insert()
      .into(ClientSecretEntity)
      .values({ clientId, hash, createdAt: now, expiresAt: null })
      .execute();
  }

  /** Live secrets stop working at `at` (an earlier expiry they already have is kept). */
  async expireSecrets(em: EntityManager, clientId: string, at: Date): Promise<void> {
    await em.query(
      `UPDATE "client_secrets" SET "expires_at" = $2
        WHERE "client_id" = $1 AND ("expires_at" IS NULL OR "expires_at" > $2)`,
      [clientId, at],
    );
  }

  async deleteSecrets(em: EntityManager, clientId: string): Promise<void> {
    await em.getRepository(ClientSecretEntity).delete({ clientId });
  }

  /** Forgets hashes whose grace period is over, for every client. */
  async pruneExpiredSecrets(em: EntityManager, now: Date): Promise<void> {
    await em.query(`DELETE FROM "client_secrets" WHERE "expires_at" <= $1`, [now]);
  }
}

/**
 * TypeORM's partial-entity type recurses into the jsonb metadata and trips over the JWK index
 * signature; the metadata is stored as one JSON value, so the recursion does not apply.
 */
function asPartial(values: ClientChanges): QueryDeepPartialEntity<ClientEntity> {
  return values as QueryDeepPartialEntity<ClientEntity>;
}
