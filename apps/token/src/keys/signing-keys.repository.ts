import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, IsNull, MoreThan, Repository } from 'typeorm';
import { SigningKeyEntity } from './signing-key.entity';

/** What a new key row needs; times come from the service clock. */
export type NewSigningKey = Pick<
  SigningKeyEntity,
  'kid' | 'alg' | 'publicJwk' | 'privateJwkSealed'
>;

/**
 * The advisory lock every rotation step takes first, so that replicas checking the schedule at
 * the same moment run one after the other and the second finds nothing left to do.
 */
export const KEY_ROTATION_LOCK = createHash('sha256')
  .update('latchkey:token:signing-key-rotation')
  .digest()
  .readBigInt64BE(0)
  .toString();

@Injectable()
export class SigningKeysRepository {
  private readonly repo: Repository<SigningKeyEntity>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(SigningKeyEntity);
  }

  findActive(alg: string): Promise<SigningKeyEntity | null> {
    return this.repo.findOne({ where: { alg, status: 'active' } });
  }

  /** Keys in the JWKS: next and active ones, and retired ones whose tokens may still be alive. */
  findPublished(now: Date): Promise<SigningKeyEntity[]> {
    return this.repo.find({
      where: [{ publishUntil: IsNull() }, { publishUntil: MoreThan(now) }],
      order: { createdAt: 'ASC' },
    });
  }

  /** Every key row (a handful: at most three per algorithm). */
  findAll(em: EntityManager = this.dataSource.manager): Promise<SigningKeyEntity[]> {
    return em.getRepository(SigningKeyEntity).find({ order: { createdAt: 'ASC' } });
  }

  /**
   * Runs `work` in one transaction that first takes the rotation lock (held until it commits):
   * every replica's rotation step reads and changes the keys one after the other.
   */
  withRotationLock<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock($1)`, [KEY_ROTATION_LOCK]);
      return work(em);
    });
  }

  /**
   * Inserts a key as the active one for its algorithm unless another replica won the race
   * (the partial unique index allows one active key per alg). Returns whether it was inserted.
   */
  async insertActiveIfNone(key: NewSigningKey): Promise<boolean> {
    // ON CONFLICT DO NOTHING returns no row when another replica's key is already active.
    const rows: unknown[] = await this.repo.query(
      `INSERT INTO "token"."signing_keys" ("kid", "alg", "status", "public_jwk", "private_jwk_sealed")
       VALUES ($1, $2, 'active', $3, $4) ON CONFLICT DO NOTHING RETURNING "kid"`,
      [key.kid, key.alg, JSON.stringify(key.publicJwk), key.privateJwkSealed],
    );
    return rows.length > 0;
  }

  /**
   * Inserts a key as the `next` one of its algorithm, to become active at `activateAt`. False
   * when the algorithm already has a next key (one per alg, by the partial unique index).
   */
  async insertNext(
    em: EntityManager,
    key: NewSigningKey,
    now: Date,
    activateAt: Date,
  ): Promise<boolean> {
    const rows: unknown[] = await em.query(
      `INSERT INTO "token"."signing_keys"
         ("kid", "alg", "status", "public_jwk", "private_jwk_sealed", "created_at", "activate_at")
       VALUES ($1, $2, 'next', $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING "kid"`,
      [key.kid, key.alg, JSON.stringify(key.publicJwk), key.privateJwkSealed, now, activateAt],
    );
    return rows.length > 0;
  }

  /**
   * The next key of `alg` becomes the active one and the active one is retired, published until
   * `publishUntil`. Retire first: the partial unique index allows one active key at any moment.
   */
  async promote(
    em: EntityManager,
    alg: string,
    nextKid: string,
    now: Date,
    publishUntil: Date,
  ): Promise<void> {
    await em.query(
      `UPDATE "token"."signing_keys" SET "status" = 'retired', "publish_until" = $2
        WHERE "alg" = $1 AND "status" = 'active'`,
      [alg, publishUntil],
    );
    await em.query(
      `UPDATE "token"."signing_keys" SET "status" = 'active', "activate_at" = $2
        WHERE "kid" = $1 AND "status" = 'next'`,
      [nextKid, now],
    );
  }

  /** Replaces the sealed private key of one row (KEY_ENCRYPTION_KEY rotation). */
  async updateSealed(em: EntityManager, kid: string, privateJwkSealed: string): Promise<void> {
    await em.query(`UPDATE "token"."signing_keys" SET "private_jwk_sealed" = $2 WHERE "kid" = $1`, [
      kid,
      privateJwkSealed,
    ]);
  }

  /** Deletes retired keys no longer published: nothing they signed is alive. */
  async deleteUnpublished(em: EntityManager, now: Date): Promise<string[]> {
    const result: unknown = await em.query(
      `DELETE FROM "token"."signing_keys"
        WHERE "status" = 'retired' AND "publish_until" <= $1 RETURNING "kid"`,
      [now],
    );
    return returnedRows<{ kid: string }>(result).map((row) => row.kid);
  }
}

/** TypeORM answers a DELETE ... RETURNING with [rows, affected count]. */
function returnedRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && Array.isArray(result[0])) return result[0] as T[];
  return Array.isArray(result) ? (result as T[]) : [];
}
