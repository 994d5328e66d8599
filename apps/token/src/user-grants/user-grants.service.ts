import { AuditClient } from '@latchkey/audit-client';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DEFAULT_SETTINGS } from '@latchkey/config';
import { InvalidGrant } from '@latchkey/oauth';
import { Clock } from '@latchkey/core';
import { RequestContext } from '@latchkey/transport';
import type { EntityManager } from 'typeorm';
import { TOKEN_CONFIG, type TokenConfig } from '../token.config';
import type { GrantEntity } from './grant.entity';
import {
  idleExpiry,
  isPlausibleRefreshToken,
  judgeRefreshToken,
  mintRefreshToken,
  refreshTokenHash,
} from './refresh-token';
import type { RefreshTokenEntity } from './refresh-token.entity';
import { RefreshTokenSuccessors } from './refresh-token-successors';
import { UserGrantsRepository } from './user-grants.repository';

/** What a code redemption grants: the code's bindings, under an id chosen beforehand. */
export interface NewGrant {
  id: string;
  clientId: string;
  sub: string;
  /** Granted scopes, space-delimited. */
  scope: string;
  sid?: string;
  /** Seconds since the epoch. */
  authTime?: number;
  amr?: string[];
  acr?: string;
  idp?: string;
  resource?: string;
  /** The `claims` request parameter (OIDC Core §5.5), normalized JSON. */
  claimsRequest?: string;
}

/** Whose grant a redeemed code started: enough to revoke it on a replay. */
export interface GrantOwner {
  grantId: string;
  clientId: string;
  sub: string;
}

export interface CreatedGrant {
  grant: GrantEntity;
  /** Present when the grant got a refresh-token family. */
  refreshToken?: string;
}

export interface RotatedRefreshToken {
  grant: GrantEntity;
  refreshToken: string;
  /** True when this answers a retry within the reuse window: the successor issued before. */
  retry: boolean;
}

type Rotation =
  | { kind: 'rotated'; grant: GrantEntity; refreshToken: string; retry: boolean }
  | { kind: 'reused'; grant: GrantEntity }
  | { kind: 'invalid'; reason: string };

/**
 * How long a replayed code waits for the grant of its first redemption (which stores it a few
 * milliseconds after taking the code) before revoking the id in advance.
 */
export const CODE_REUSE_GRANT_WAIT = { attempts: 6, intervalMs: 200 };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The one description for a refresh token we cannot use, whatever the reason (it is in the log). */
const REFRESH_TOKEN_INVALID = 'the refresh token is invalid, expired or revoked';

/**
 * Grants and their refresh-token families (docs/architecture.md §3): created at code redemption,
 * rotated on every refresh (a retry within the reuse window gets the same successor), revoked as a
 * whole on reuse, on a replayed code, or for a user. Times come from the service clock. An
 * unreachable database is a 503, never a token without its record.
 */
@Injectable()
export class UserGrantsService {
  private readonly logger = new Logger(UserGrantsService.name);
  private readonly reuseWindowSeconds: number;

  constructor(
    private readonly repo: UserGrantsRepository,
    private readonly clock: Clock,
    private readonly audit: AuditClient,
    private readonly successors: RefreshTokenSuccessors,
    @Inject(TOKEN_CONFIG) config: TokenConfig,
  ) {
    this.reuseWindowSeconds =
      config.refreshTokenReuseWindowSeconds ?? DEFAULT_SETTINGS.refreshTokenReuseWindowSeconds;
  }

  /**
   * Stores the grant and, with `refreshLifetimeSeconds`, the first token of its family. Fails
   * with invalid_grant when the grant was revoked before it existed (its code was replayed while
   * this redemption was in flight).
   */
  async create(grant: NewGrant, refreshLifetimeSeconds?: number): Promise<CreatedGrant> {
    const now = this.clock.now();
    const entity: GrantEntity = {
      id: grant.id,
      clientId: grant.clientId,
      sub: grant.sub,
      scope: grant.scope,
      sid: grant.sid ?? null,
      authTime: grant.authTime === undefined ? null : new Date(grant.authTime * 1000),
      amr: grant.amr ?? null,
      acr: grant.acr ?? null,
      idp: grant.idp ?? null,
      resource: grant.resource ?? null,
      claimsRequest: grant.claimsRequest ?? null,
      createdAt: now,
      revokedAt: null,
      revokedReason: null,
    };
    const refresh =
      refreshLifetimeSeconds === undefined
        ? undefined
        : { minted: mintRefreshToken(), expiresAt: secondsAfter(now, refreshLifetimeSeconds) };
    await this.repo.transaction(async (em) => {
      if (!(await this.repo.insertGrant(em, entity))) {
        throw new InvalidGrant('the authorization code is invalid, expired or already used');
      }
      if (refresh) {
        await this.repo.insertRefreshToken(em, {
          hash: refresh.minted.hash,
          grantId: entity.id,
          parentHash: null,
          createdAt: now,
          expiresAt: refresh.expiresAt,
          idleExpiresAt: idleExpiry(now, refresh.expiresAt),
          usedAt: null,
          successorHash: null,
          revokedAt: null,
        });
      }
      await this.recordCreated(em, entity, refresh !== undefined);
    });
    return { grant: entity, refreshToken: refresh?.minted.token };
  }

  /** The code's redemption and the grant it started, committed with the grant. */
  private async recordCreated(em: EntityManager, grant: GrantEntity, refresh: boolean) {
    const about = {
      client_id: grant.clientId,
      sub: grant.sub,
      session: grant.sid ?? undefined,
      grant: grant.id,
    };
    await this.audit.recordInTransaction(em, 'code.redeemed', {
      subject: grant.id,
      actor: { type: 'client', id: grant.clientId },
      data: about,
    });
    await this.audit.recordInTransaction(em, 'grant.created', {
      subject: grant.id,
      data: {
        ...about,
        scope: grant.scope,
        resource: grant.resource ?? undefined,
        refresh_token_issued: refresh,
      },
    });
  }

  /**
   * Exchanges a refresh token of `clientId` for its successor (RFC 6749 §6, RFC 9700 §4.14.2):
   * the presented token is marked used and its successor, of the same family and with the same
   * absolute expiry, is issued. Presenting it again within the reuse window, while the successor
   * is unused, answers the same successor (a retry of a refresh whose answer was lost; concurrent
   * refreshes with one token all get it); otherwise it revokes the whole grant
   * (docs/architecture.md §3). `checkRequest` runs on the grant of a usable or retried token
   * before anything changes: what it throws leaves the token unused.
   */
  async rotate(
    presented: string,
    clientId: string,
    checkRequest: (grant: GrantEntity) => void = () => undefined,
  ): Promise<RotatedRefreshToken> {
    if (!isPlausibleRefreshToken(presented)) throw new InvalidGrant(REFRESH_TOKEN_INVALID);
    const hash = refreshTokenHash(presented);
    const now = this.clock.now();
    const rotation = await this.repo.transaction(async (em): Promise<Rotation> => {
      const presentedToken = await this.repo.findRefreshToken(em, hash);
      const grant = presentedToken && (await this.repo.lockGrant(em, presentedToken.grantId));
      // Read again under the grant's lock: a rotation that held it may have used the token.
      const token = grant && (await this.repo.findRefreshToken(em, hash));
      if (!token || !grant) return { kind: 'invalid', reason: 'unknown refresh token' };
      const verdict = judgeRefreshToken(token, grant, clientId, now, {
        successor: await this.successorOf(em, token),
        reuseWindowSeconds: this.reuseWindowSeconds,
      });
      switch (verdict.kind) {
        case 'invalid':
          return verdict;
        case 'usable': {
          checkRequest(grant);
          const rotated = await this.rotateUnder(em, presented, token, grant, now);
          // Last moment to drop it: a rotation committed for a caller that gave up hands a
          // successor to nobody, and the client's next try with this token would be reuse.
          RequestContext.assertCallerWaiting();
          return rotated;
        }
        case 'retried': {
          checkRequest(grant);
          const successor = this.successors.again(presented, verdict.successorHash);
          if (successor === undefined) {
            return { kind: 'invalid', reason: 'successor key replaced since the rotation' };
          }
          return { kind: 'rotated', grant, refreshToken: successor, retry: true };
        }
        case 'reused':
          await this.repo.revokeGrant(em, grant.id, 'refresh_token_reuse', now);
          return { kind: 'reused', grant };
      }
    });
    switch (rotation.kind) {
      case 'rotated':
        if (!rotation.retry && RequestContext.callerGaveUp()) {
          await this.restartReuseWindow(hash);
        }
        return {
          grant: rotation.grant,
          refreshToken: rotation.refreshToken,
          retry: rotation.retry,
        };
      case 'reused':
        this.logger.warn({
          event: 'token.refresh_reuse_detected',
          client_id: rotation.grant.clientId,
          sub: rotation.grant.sub,
          grant_id: rotation.grant.id,
          msg: 'a rotated refresh token was presented again: its grant is revoked',
        });
        await this.audit.record('token.refresh_reuse_detected', {
          subject: rotation.grant.sub,
          data: {
            client_id: rotation.grant.clientId,
            sub: rotation.grant.sub,
            grant: rotation.grant.id,
          },
        });
        throw new InvalidGrant(REFRESH_TOKEN_INVALID);
      case 'invalid':
        this.logger.debug(`refresh token refused for client ${clientId}: ${rotation.reason}`);
        throw new InvalidGrant(REFRESH_TOKEN_INVALID);
    }
  }

  /**
   * The commit of a rotation outlasted its caller (the database or this process froze while the
   * commit was under way): the client never got the successor and will retry with the token it
   * has, later than the reuse window allows if the window ran from the rotation's start. Its
   * window restarts now, when the rotation has really taken effect. Best effort: a failure leaves
   * the window as it was.
   */
  private async restartReuseWindow(hash: string): Promise<void> {
    try {
      await this.repo.restampRotation(this.repo.manager, hash, this.clock.now());
      this.logger.warn(
        'a refresh rotation committed after its caller gave up: retry window restarted',
      );
    } catch (err) {
      this.logger.warn(`the retry window of a late rotation was not restarted: ${String(err)}`);
    }
  }

  /** The token that replaced `token`, read under the grant's lock; null when not rotated. */
  private async successorOf(
    em: EntityManager,
    token: RefreshTokenEntity,
  ): Promise<RefreshTokenEntity | null> {
    return token.successorHash === null
      ? null
      : this.repo.findRefreshToken(em, token.successorHash);
  }

  /** Marks `token` used and stores its successor, under the grant's lock. */
  private async rotateUnder(
    em: EntityManager,
    presented: string,
    token: RefreshTokenEntity,
    grant: GrantEntity,
    now: Date,
  ): Promise<Rotation> {
    const next = this.successors.of(presented);
    // Judged usable under the grant's lock, so only a revocation that skipped it could win.
    if (!(await this.repo.markRefreshTokenUsed(em, token.hash, next.hash, now))) {
      return { kind: 'invalid', reason: 'revoked meanwhile' };
    }
    await this.repo.insertRefreshToken(em, {
      hash: next.hash,
      grantId: grant.id,
      parentHash: token.hash,
      createdAt: now,
      expiresAt: token.expiresAt,
      idleExpiresAt: idleExpiry(now, token.expiresAt),
      usedAt: null,
      successorHash: null,
      revokedAt: null,
    });
    return { kind: 'rotated', grant, refreshToken: next.token, retry: false };
  }

  /**
   * A redeemed code came back: revoke the grant its first redemption started, with every token
   * issued from it. That redemption may still be in flight (the grant not stored yet): wait for
   * its grant a little; if it never appears, store the id as revoked, so that a late first
   * redemption fails instead of issuing tokens.
   */
  async revokeForCodeReuse(owner: GrantOwner): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const revoked = await this.repo.transaction(async (em) => {
        if (await this.repo.revokeGrant(em, owner.grantId, 'code_reuse', this.clock.now())) {
          return true;
        }
        return (await this.repo.findGrant(em, owner.grantId)) !== null;
      });
      if (revoked) return;
      if (attempt >= CODE_REUSE_GRANT_WAIT.attempts) break;
      await delay(CODE_REUSE_GRANT_WAIT.intervalMs);
    }
    await this.repo.transaction((em) =>
      this.repo.revokeOrPreRevoke(
        em,
        { id: owner.grantId, clientId: owner.clientId, sub: owner.sub },
        'code_reuse',
        this.clock.now(),
      ),
    );
  }

  /** Revokes every grant of the user (and so all their refresh and access tokens). */
  revokeAllOfUser(sub: string): Promise<number> {
    const now = this.clock.now();
    return this.repo.transaction((em) =>
      this.repo.revokeGrantsOfUser(em, sub, 'user_revoked', now),
    );
  }

  /** The grant, when it exists and is not revoked. */
  async findActive(id: string): Promise<GrantEntity | null> {
    if (!UUID.test(id)) return null;
    const grant = await this.repo.findGrant(this.repo.manager, id);
    return grant && grant.revokedAt === null ? grant : null;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function secondsAfter(at: Date, seconds: number): Date {
  return new Date(at.getTime() + seconds * 1000);
}
