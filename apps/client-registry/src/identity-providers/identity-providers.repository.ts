import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { IdentityProviderEntity } from './identity-provider.entity';

export type NewIdentityProvider = Omit<IdentityProviderEntity, 'seq'>;

@Injectable()
export class IdentityProvidersRepository {
  findById(em: EntityManager, id: string): Promise<IdentityProviderEntity | null> {
    return em.getRepository(IdentityProviderEntity).findOneBy({ id });
  }

  lockById(em: EntityManager, id: string): Promise<IdentityProviderEntity | null> {
    return em
      .getRepository(IdentityProviderEntity)
      .createQueryBuilder('provider')
      .setLock('pessimistic_write')
      .where('provider.id = :id', { id })
      .getOne();
  }

  page(
    em: EntityManager,
    afterSeq: string | undefined,
    limit: number,
  ): Promise<IdentityProviderEntity[]> {
    const query = em
      .getRepository(IdentityProviderEntity)
      .createQueryBuilder('provider')
      .orderBy('provider.seq', 'ASC')
      .limit(limit);
    if (afterSeq !== undefined) query.where('provider.seq > :afterSeq', { afterSeq });
    return query.getMany();
  }

  /** Every provider with a sealed secret, locked until the transaction ends (rotate-kek). */
  lockAllWithSecrets(em: EntityManager): Promise<IdentityProviderEntity[]> {
    return em
      .getRepository(IdentityProviderEntity)
      .createQueryBuilder('provider')
      .setLock('pessimistic_write')
      .where('provider.client_secret_sealed IS NOT NULL')
      .orderBy('provider.seq', 'ASC')
      .getMany();
  }

  async updateSealedSecret(em: EntityManager, id: string, sealed: string): Promise<void> {
    await em.getRepository(IdentityProviderEntity).update({ id }, { clientSecretSealed: sealed });
  }

  enabled(em: EntityManager): Promise<IdentityProviderEntity[]> {
    return em
      .getRepository(IdentityProviderEntity)
      .find({ where: { enabled: true }, order: { seq: 'ASC' } });
  }

  /** Inserts unless the id is taken (then false). */
  async insertIfAbsent(em: EntityManager, provider: NewIdentityProvider): Promise<boolean> {
    const result = await em
      .getRepository(IdentityProviderEntity)
      .createQueryBuilder()
      .insert()
      .values(provider)
      .orIgnore()
      .returning(['id'])
      .execute();
    return Array.isArray(result.raw) && result.raw.length === 1;
  }

  async update(
    em: EntityManager,
    id: string,
    changes: Partial<NewIdentityProvider>,
  ): Promise<void> {
    await em.getRepository(IdentityProviderEntity).update({ id }, changes);
  }

  async delete(em: EntityManager, id: string): Promise<boolean> {
    const result = await em.getRepository(IdentityProviderEntity).delete({ id });
    return (result.affected ?? 0) > 0;
  }
}
