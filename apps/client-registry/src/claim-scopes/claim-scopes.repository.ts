import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ResourceEntity } from '../resources/resource.entity';
import { ClaimScopeEntity } from './claim-scope.entity';

export type NewClaimScope = Omit<ClaimScopeEntity, 'seq'>;
export type ClaimScopeChanges = Pick<
  ClaimScopeEntity,
  'description' | 'claims' | 'public' | 'updatedAt'
>;

@Injectable()
export class ClaimScopesRepository {
  findByName(em: EntityManager, name: string): Promise<ClaimScopeEntity | null> {
    return em.getRepository(ClaimScopeEntity).findOneBy({ name });
  }

  lockByName(em: EntityManager, name: string): Promise<ClaimScopeEntity | null> {
    return em
      .getRepository(ClaimScopeEntity)
      .createQueryBuilder('scope')
      .setLock('pessimistic_write')
      .where('scope.name = :name', { name })
      .getOne();
  }

  page(
    em: EntityManager,
    afterSeq: string | undefined,
    limit: number,
  ): Promise<ClaimScopeEntity[]> {
    const query = em
      .getRepository(ClaimScopeEntity)
      .createQueryBuilder('scope')
      .orderBy('scope.seq', 'ASC')
      .limit(limit);
    if (afterSeq !== undefined) query.where('scope.seq > :afterSeq', { afterSeq });
    return query.getMany();
  }

  all(em: EntityManager): Promise<ClaimScopeEntity[]> {
    return em.getRepository(ClaimScopeEntity).find({ order: { seq: 'ASC' } });
  }

  /** Whether an API resource defines a scope of this name (then it cannot be a claim scope). */
  async isResourceScope(em: EntityManager, name: string): Promise<boolean> {
    return em
      .getRepository(ResourceEntity)
      .createQueryBuilder('resource')
      .where('resource.scopes @> :scope::jsonb', { scope: JSON.stringify([name]) })
      .getExists();
  }

  /** Inserts unless the name is taken (then false). */
  async insertIfAbsent(em: EntityManager, scope: NewClaimScope): Promise<boolean> {
    const rows: unknown = await em.query(
      `INSERT INTO "claim_scopes" ("name", "description", "claims", "public", "created_at",
                                   "updated_at")
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT ("name") DO NOTHING
       RETURNING "name"`,
      [
        scope.name,
        scope.description,
        JSON.stringify(scope.claims),
        scope.public,
        scope.createdAt,
        scope.updatedAt,
      ],
    );
    return Array.isArray(rows) && rows.length === 1;
  }

  async update(em: EntityManager, name: string, changes: ClaimScopeChanges): Promise<void> {
    await em.getRepository(ClaimScopeEntity).update({ name }, changes);
  }

  async delete(em: EntityManager, name: string): Promise<boolean> {
    const result = await em.getRepository(ClaimScopeEntity).delete({ name });
    return (result.affected ?? 0) > 0;
  }
}
