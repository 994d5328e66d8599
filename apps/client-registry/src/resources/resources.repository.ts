import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ResourceEntity } from './resource.entity';

export type NewResource = Omit<ResourceEntity, 'seq'>;

@Injectable()
export class ResourcesRepository {
  findByIdentifier(em: EntityManager, identifier: string): Promise<ResourceEntity | null> {
    return em.getRepository(ResourceEntity).findOneBy({ identifier });
  }

  lockByIdentifier(em: EntityManager, identifier: string): Promise<ResourceEntity | null> {
    return em
      .getRepository(ResourceEntity)
      .createQueryBuilder('resource')
      .setLock('pessimistic_write')
      .where('resource.identifier = :identifier', { identifier })
      .getOne();
  }

  page(em: EntityManager, afterSeq: string | undefined, limit: number): Promise<ResourceEntity[]> {
    const query = em
      .getRepository(ResourceEntity)
      .createQueryBuilder('resource')
      .orderBy('resource.seq', 'ASC')
      .limit(limit);
    if (afterSeq !== undefined) query.where('resource.seq > :afterSeq', { afterSeq });
    return query.getMany();
  }

  all(em: EntityManager): Promise<ResourceEntity[]> {
    return em.getRepository(ResourceEntity).find({ order: { seq: 'ASC' } });
  }

  /** Inserts unless the identifier is taken (then false). */
  async insertIfAbsent(em: EntityManager, resource: NewResource): Promise<boolean> {
    const rows: unknown = await em.query(
      `INSERT INTO "resources" ("identifier", "name", "scopes", "roles", "access_token_lifetime",
                                "created_at", "updated_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT ("identifier") DO NOTHING
       RETURNING "identifier"`,
      [
        resource.identifier,
        resource.name,
        JSON.stringify(resource.scopes),
        JSON.stringify(resource.roles),
        resource.accessTokenLifetime,
        resource.createdAt,
        resource.updatedAt,
      ],
    );
    return Array.isArray(rows) && rows.length === 1;
  }

  async update(
    em: EntityManager,
    identifier: string,
    changes: Pick<
      ResourceEntity,
      'name' | 'scopes' | 'roles' | 'accessTokenLifetime' | 'updatedAt'
    >,
  ): Promise<void> {
    await em.getRepository(ResourceEntity).update({ identifier }, changes);
  }

  /** False when there was none; a resource that is some client's default_resource is refused. */
  async delete(em: EntityManager, identifier: string): Promise<boolean> {
    const result = await em.getRepository(ResourceEntity).delete({ identifier });
    return (result.affected ?? 0) > 0;
  }
}
