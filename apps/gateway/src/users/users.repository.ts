import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { UserEntity } from './user.entity';

export type NewUser = Omit<UserEntity, 'seq'>;

/** What an admin update may change (the service computes the normalised forms and the hash). */
export type UserChanges = Partial<
  Pick<
    UserEntity,
    | 'username'
    | 'usernameNormalized'
    | 'passwordHash'
    | 'email'
    | 'emailVerified'
    | 'name'
    | 'givenName'
    | 'familyName'
    | 'disabled'
    | 'groups'
    | 'roles'
    | 'resourceRoles'
    | 'attributes'
    | 'updatedAt'
  >
>;

const USERNAME_UNIQUE = 'users_username_normalized_key';

/**
 * The users table. Every method takes the EntityManager to run on, so callers can group
 * statements in a transaction (and, on PGlite, must use only that transaction's manager).
 */
@Injectable()
export class UsersRepository {
  findById(em: EntityManager, id: string): Promise<UserEntity | null> {
    return em.getRepository(UserEntity).findOneBy({ id });
  }

  findByUsernameKey(em: EntityManager, usernameNormalized: string): Promise<UserEntity | null> {
    return em.getRepository(UserEntity).findOneBy({ usernameNormalized });
  }

  /** Reads the user and locks the row until the transaction ends (serialises changes to it). */
  lockById(em: EntityManager, id: string): Promise<UserEntity | null> {
    return em
      .getRepository(UserEntity)
      .createQueryBuilder('user')
      .setLock('pessimistic_write')
      .where('user.id = :id', { id })
      .getOne();
  }

  /** `limit` rows after the given sequence number in insertion order, optionally one username. */
  page(
    em: EntityManager,
    afterSeq: string | undefined,
    limit: number,
    usernameNormalized?: string,
  ): Promise<UserEntity[]> {
    const query = em
      .getRepository(UserEntity)
      .createQueryBuilder('user')
      .orderBy('user.seq', 'ASC')
      .limit(limit);
    if (afterSeq !== undefined) query.andWhere('user.seq > :afterSeq', { afterSeq });
    if (usernameNormalized !== undefined) {
      query.andWhere('user.username_normalized = :usernameNormalized', { usernameNormalized });
    }
    return query.getMany();
  }

  /**
   * Inserts unless the normalised username is taken (then false). Two concurrent inserts of
   * "Alice" and "alice" cannot both win: the unique index decides.
   */
  async insertIfUsernameFree(em: EntityManager, user: NewUser): Promise<boolean> {
    const rows: unknown = await em.query(
      `INSERT INTO "users" ("id", "username", "username_normalized", "password_hash", "email",
                            "email_verified", "name", "given_name", "family_name", "disabled",
                            "groups", "roles", "resource_roles", "attributes",
                            "created_at", "updated_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
       ON CONFLICT ("username_normalized") DO NOTHING
       RETURNING "id"`,
      [
        user.id,
        user.username,
        user.usernameNormalized,
        user.passwordHash,
        user.email,
        user.emailVerified,
        user.name,
        user.givenName,
        user.familyName,
        user.disabled,
        JSON.stringify(user.groups),
        JSON.stringify(user.roles),
        JSON.stringify(user.resourceRoles),
        JSON.stringify(user.attributes),
        user.createdAt,
        user.updatedAt,
      ],
    );
    return Array.isArray(rows) && rows.length === 1;
  }

  /**
   * Applies the changes; false when a new username is taken by another user (the statement then
   * failed, so a surrounding transaction must be rolled back, which throwing does).
   */
  async update(em: EntityManager, id: string, changes: UserChanges): Promise<boolean> {
    try {
      await em.getRepository(UserEntity).update({ id }, changes);
      return true;
    } catch (err) {
      if (isUniqueViolation(err, USERNAME_UNIQUE)) return false;
      throw err;
    }
  }

  /**
   * Replaces the hash only if it is still `currentHash`: a rehash on login must not overwrite a
   * password an admin set in the meantime.
   */
  async replacePasswordHash(
    em: EntityManager,
    id: string,
    currentHash: string,
    newHash: string,
  ): Promise<boolean> {
    const result = await em
      .getRepository(UserEntity)
      .update({ id, passwordHash: currentHash }, { passwordHash: newHash });
    return (result.affected ?? 0) > 0;
  }

  /** Sets `disabled` (updated_at moves only if it was not set already); false if no such user. */
  async disable(em: EntityManager, id: string, now: Date): Promise<boolean> {
    const rows: unknown = await em.query(
      `UPDATE "users"
          SET "updated_at" = CASE WHEN "disabled" THEN "updated_at" ELSE $2 END,
              "disabled" = true
        WHERE "id" = $1
       RETURNING "id"`,
      [id, now],
    );
    return affectedRows(rows) > 0;
  }

  async delete(em: EntityManager, id: string): Promise<boolean> {
    const result = await em.getRepository(UserEntity).delete({ id });
    return (result.affected ?? 0) > 0;
  }
}

/** UPDATE ... RETURNING answers [rows, count] through TypeORM's postgres driver, rows elsewhere. */
function affectedRows(result: unknown): number {
  if (!Array.isArray(result)) return 0;
  if (result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[1];
  }
  return result.length;
}

/** SQLSTATE 23505 on the named constraint, from TypeORM's error or the driver's it wraps. */
function isUniqueViolation(err: unknown, constraint: string): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const fields = e as { code?: unknown; constraint?: unknown; driverError?: unknown };
    if (fields.code === '23505' && fields.constraint === constraint) return true;
    e = fields.driverError;
  }
  return false;
}
