import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { GrantEntity, type GrantRevocationReason } from './grant.entity';
import { RefreshTokenEntity } from './refresh-token.entity';

/**
 * All SQL on grants and refresh tokens. Every method takes the EntityManager to run on: the data
 * source's for a lone statement, or a transaction's. On PGlite (one connection) a statement inside
 * a transaction must use that transaction's manager, or it waits for itself.
 */
@Injectable()
export class UserGrantsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Inserts the grant unless a row with its id exists already, which only happens when a replay of
   * its authorization code revoked it first (see {@link revokeOrPreRevoke}). True when inserted.
   */
  async insertGrant(em: EntityManager, grant: GrantEntity): Promise<boolean> {
    const rows: unknown = await em.query(
      `INSERT INTO "token"."grants"
         ("id", "client_id", "sub", "scope", "sid", "auth_time", "amr", "acr", "idp", "resource",
          "claims_request", "created_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT ("id") DO NOTHING RETURNING "id"`,
      [
        grant.id,
        grant.clientId,
        grant.sub,
        grant.scope,
        grant.sid,
        grant.authTime,
        grant.amr === null ? null : JSON.stringify(grant.amr),
        grant.acr,
        grant.idp,
        grant.resource,
        grant.claimsRequest,
        grant.createdAt,
      ],
    );
    return Array.isArray(rows) && rows.length === 1;
  }

  async insertRefreshToken(em: EntityManager, token: RefreshTokenEntity): Promise<void> {
    await em.getRepository(RefreshTokenEntity).insert(token);
  }

  findGrant(em: EntityManager, id: string): Promise<GrantEntity | null> {
    return em.getRepository(GrantEntity).findOne({ where: { id } });
  }

  /**
   * Reads the grant and locks its row until the transaction ends. Every change to a grant's
   * family takes this lock first (revocations update the grant row first too), so concurrent
   * rotations and revocations of one family queue here instead of locking token rows in
   * different orders and deadlocking.
   */
  lockGrant(em: EntityManager, id: string): Promise<GrantEntity | null> {
    return em
      .getRepository(GrantEntity)
      .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  findRefreshToken(em: EntityManager, hash: string): Promise<RefreshTokenEntity | null> {
    return em.getRepository(RefreshTokenEntity).findOne({ where: { hash } });
  }

  /**
   * Marks the token used, naming its successor, if nobody did before, in one statement: of
   * concurrent rotations of one token, the others queue on its row lock, then find `used_at` set
   * and match nothing. True for the one that marked it.
   */
  async markRefreshTokenUsed(
    em: EntityManager,
    hash: string,
    successorHash: string,
    now: Date,
  ): Promise<boolean> {
    const result = await em.query<unknown>(
      `UPDATE "token"."refresh_tokens" SET "used_at" = $2, "successor_hash" = $3
        WHERE "hash" = $1 AND "used_at" IS NULL AND "revoked_at" IS NULL`,
      [hash, now, successorHash],
    );
    return affectedRows(result) === 1;
  }

  /**
   * Moves a rotated token's rotation time to `at`, while its successor is still unused: the
   * reuse window of a rotation committed late runs from when it took effect.
   */
  async restampRotation(em: EntityManager, hash: string, at: Date): Promise<void> {
    await em.query(
      `UPDATE "token"."refresh_tokens" AS t SET "used_at" = $2
        WHERE t."hash" = $1 AND t."revoked_at" IS NULL AND t."used_at" < $2
          AND EXISTS (SELECT 1 FROM "token"."refresh_tokens" s
                       WHERE s."hash" = t."successor_hash" AND s."used_at" IS NULL)`,
      [hash, at],
    );
  }

  /** Revokes a live grant and its refresh tokens. True when the grant was live. */
  async revokeGrant(
    em: EntityManager,
    id: string,
    reason: GrantRevocationReason,
    now: Date,
  ): Promise<boolean> {
    const result = await em.query<unknown>(
      `UPDATE "token"."grants" SET "revoked_at" = $2, "revoked_reason" = $3
        WHERE "id" = $1 AND "revoked_at" IS NULL`,
      [id, now, reason],
    );
    await this.revokeRefreshTokensOfGrant(em, id, now);
    return affectedRows(result) === 1;
  }

  /**
   * Revokes the grant with this id, or, when it does not exist (yet), inserts it already revoked,
   * so that the code redemption that was to create it finds the row and fails. True when a live
   * grant was revoked or the placeholder inserted.
   */
  async revokeOrPreRevoke(
    em: EntityManager,
    grant: Pick<GrantEntity, 'id' | 'clientId' | 'sub'>,
    reason: GrantRevocationReason,
    now: Date,
  ): Promise<boolean> {
    const rows: unknown = await em.query(
      `INSERT INTO "token"."grants"
         ("id", "client_id", "sub", "scope", "created_at", "revoked_at", "revoked_reason")
       VALUES ($1, $2, $3, '', $4, $4, $5)
       ON CONFLICT ("id") DO UPDATE
         SET "revoked_at" = $4, "revoked_reason" = $5
         WHERE "grants"."revoked_at" IS NULL
       RETURNING "id"`,
      [grant.id, grant.clientId, grant.sub, now, reason],
    );
    await this.revokeRefreshTokensOfGrant(em, grant.id, now);
    return Array.isArray(rows) && rows.length === 1;
  }

  /** Revokes every live grant of a user and their refresh tokens; returns how many grants. */
  async revokeGrantsOfUser(
    em: EntityManager,
    sub: string,
    reason: GrantRevocationReason,
    now: Date,
  ): Promise<number> {
    const result = await em.query<unknown>(
      `UPDATE "token"."grants" SET "revoked_at" = $2, "revoked_reason" = $3
        WHERE "sub" = $1 AND "revoked_at" IS NULL`,
      [sub, now, reason],
    );
    await em.query(
      `UPDATE "token"."refresh_tokens" SET "revoked_at" = $2
        WHERE "revoked_at" IS NULL
          AND "grant_id" IN (SELECT "id" FROM "token"."grants" WHERE "sub" = $1)`,
      [sub, now],
    );
    return affectedRows(result);
  }

  /**
   * A user's grants for their account page and the admin API, newest first: the live ones (not
   * revoked, and with a usable refresh token or issued recently enough that its access tokens
   * may still be alive) and those revoked since `revokedSince`. Grants that simply ran out are
   * left out.
   */
  listGrantsOfUser(
    em: EntityManager,
    sub: string,
    window: { now: Date; revokedSince: Date; issuedSince: Date; limit: number },
  ): Promise<GrantEntity[]> {
    return em
      .getRepository(GrantEntity)
      .createQueryBuilder('g')
      .where('g.sub = :sub', { sub })
      .andWhere(
        `(g.revoked_at > :revokedSince OR (g.revoked_at IS NULL AND (g.created_at > :issuedSince
          OR EXISTS (SELECT 1 FROM "token"."refresh_tokens" t
                      WHERE t.grant_id = g.id AND t.revoked_at IS NULL AND t.used_at IS NULL
                        AND t.expires_at > :now AND t.idle_expires_at > :now))))`,
        { revokedSince: window.revokedSince, issuedSince: window.issuedSince, now: window.now },
      )
      .orderBy('g.created_at', 'DESC')
      .addOrderBy('g.id', 'ASC')
      .limit(window.limit)
      .getMany();
  }

  /** Every grant issued in one SSO session of one user, revoked or not. */
  findGrantsOfSession(em: EntityManager, sid: string, sub: string): Promise<GrantEntity[]> {
    return em.getRepository(GrantEntity).find({ where: { sid, sub }, order: { createdAt: 'ASC' } });
  }

  private async revokeRefreshTokensOfGrant(em: EntityManager, id: string, now: Date) {
    await em.query(
      `UPDATE "token"."refresh_tokens" SET "revoked_at" = $2
        WHERE "grant_id" = $1 AND "revoked_at" IS NULL`,
      [id, now],
    );
  }
}

/** TypeORM answers an UPDATE with [rows, affected count]. */
function affectedRows(result: unknown): number {
  return Array.isArray(result) ? Number(result[1]) || 0 : 0;
}
