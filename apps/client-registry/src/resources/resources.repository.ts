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

  /**
   * Serializes every change of resources' scopes until the transaction ends: a scope belongs to
   * one resource, and two concurrent writers must not both find it free. Reads go on; resource
   * changes are rare.
   */
  async lockScopes(em: EntityManager): Promise<void> {
    await em.query('LOCK TABLE "resources" IN SHARE ROW EXCLUSIVE MODE');
  }

  /** Other resources that define any of these scopes. */
  async definingAny(
    em: EntityManager,
    scopes: readonly string[],
    except: string | undefined,
  ): Promise<Pick<ResourceEntity, 'identifier' | 'scopes'>[]> {
    if (scopes.length === 0) return [];
    const rows: unknown = await em.query(
      `SELECT "identifier", "scopes" FROM "resources"
        WHERE "scopes" ?| $1::text[] AND ($2::text IS NULL OR "identifier" <> $2)`,
      [scopes, except ?? null],
    );
    return rows as Pick<ResourceEntity, 'identifier' | 'scopes'>[];
  }

  /** Inserts unless the identifier is taken (then false). */
  async insertIfAbsent(em: EntityManager, resource: NewResource): Promise<boolean> {
    const rows: unknown = await em.query(
      `INSERT INTO "resources" ("identifier", "name", "scopes", "roles", "scope_descriptions",
                                "access_token_lifetime", "created_at", "updated_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT ("identifier") DO NOTHING
       RETURNING "identifier"`,
      [
        resource.identifier,
        resource.name,
        JSON.stringify(resource.scopes),
        JSON.stringify(resource.roles),
        JSON.stringify(resource.scopeDescriptions),
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
      'name' | 'scopes' | 'roles' | 'scopeDescriptions' | 'accessTokenLifetime' | 'updatedAt'
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
