import { Injectable } from '@nestjs/common';
import { AuditClient } from '@latchkey/audit-client';
import type { GrantView } from '@latchkey/contracts';
import { NotFound, OFFLINE_ACCESS_SCOPE, parseScope } from '@latchkey/oauth';
import type { EntityManager } from 'typeorm';
import { Clock } from '@latchkey/core';
import type { GrantEntity, GrantRevocationReason } from './grant.entity';
import type { RefreshTokenEntity } from './refresh-token.entity';
import { isPlausibleRefreshToken, refreshTokenHash } from './refresh-token';
import { UserGrantsRepository } from './user-grants.repository';

/** Revoked grants stay in a user's list this long, so they can see what ended and when. */
export const REVOKED_GRANTS_LISTED_DAYS = 30;
/** A grant without a usable refresh token is listed while its access tokens may live (a day). */
export const GRANT_WITHOUT_REFRESH_LISTED_SECONDS = 24 * 3600;
export const MAX_LISTED_GRANTS = 200;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A stored refresh token and the grant it belongs to. */
export interface StoredRefreshToken {
  token: RefreshTokenEntity;
  grant: GrantEntity;
}

/** Where a revocation request came from, for its audit event. */
export interface RevocationOrigin {
  ip?: string;
  user_agent?: string;
}

/** What ending an SSO session did to its grants. */
export interface EndedSession {
  /** Every grant issued in the session (revoked now, before, or kept as offline). */
  grants: GrantEntity[];
  /** Those this call revoked. */
  revoked: GrantEntity[];
}

/**
 * Grant management beyond the token endpoint: a user's grants (account page, admin API),
 * revoking one, revoking through a refresh token (RFC 7009), and ending an SSO session. Each
 * revocation writes its `token.revoked` audit event in the same transaction.
 */
@Injectable()
export class GrantManagementService {
  constructor(
    private readonly repo: UserGrantsRepository,
    private readonly clock: Clock,
    private readonly audit: AuditClient,
  ) {}

  /** The user's live grants and those revoked in the last 30 days, newest first. */
  async list(sub: string): Promise<GrantView[]> {
    const now = this.clock.now();
    const grants = await this.repo.listGrantsOfUser(this.repo.manager, sub, {
      now,
      revokedSince: new Date(now.getTime() - REVOKED_GRANTS_LISTED_DAYS * 86_400_000),
      issuedSince: new Date(now.getTime() - GRANT_WITHOUT_REFRESH_LISTED_SECONDS * 1000),
      limit: MAX_LISTED_GRANTS,
    });
    return grants.map(grantView);
  }

  /**
   * Revokes one grant: its refresh tokens at once, its access tokens at their next validation.
   * With `sub`, the grant must be that user's; another user's grant is not_found like an unknown
   * one. False when it was revoked already.
   */
  async revoke(grantId: string, sub?: string): Promise<boolean> {
    if (!UUID.test(grantId)) throw new NotFound('no such grant');
    return this.repo.transaction(async (em) => {
      const grant = await this.repo.lockGrant(em, grantId);
      if (!grant || (sub !== undefined && grant.sub !== sub)) {
        throw new NotFound('no such grant');
      }
      return this.revokeInTransaction(em, grant, 'grant_revoked', {});
    });
  }

  /**
   * RFC 7009 §2.1: a refresh token revoked by its client ends its whole grant (and so the access
   * tokens issued from it). The caller has checked that the grant is the client's.
   */
  revokeForClient(grant: GrantEntity, origin: RevocationOrigin): Promise<boolean> {
    return this.repo.transaction(async (em) => {
      const locked = await this.repo.lockGrant(em, grant.id);
      if (!locked) return false;
      return this.revokeInTransaction(em, locked, 'client_revoked', {
        ...origin,
        token_type: 'refresh_token',
      });
    });
  }

  /** The refresh token with this value and its grant, whatever their state; null if unknown. */
  async findRefreshToken(presented: string): Promise<StoredRefreshToken | null> {
    if (!isPlausibleRefreshToken(presented)) return null;
    const hash = refreshTokenHash(presented);
    return (async () => {
      const em = this.repo.manager;
      const token = await this.repo.findRefreshToken(em, hash);
      const grant = token && (await this.repo.findGrant(em, token.grantId));
      return token && grant ? { token, grant } : null;
    })();
  }

  /**
   * The user logged out of SSO session `sid` (OpenID Back-Channel Logout §2.7): the session's
   * online grants are revoked with their refresh tokens; grants with `offline_access` survive,
   * as the user consented to access that outlives the session (Keycloak does the same).
   */
  async endSession(sid: string, sub: string): Promise<EndedSession> {
    return this.repo.transaction(async (em) => {
      const grants = await this.repo.findGrantsOfSession(em, sid, sub);
      const revoked: GrantEntity[] = [];
      for (const grant of grants.filter(isLiveOnlineGrant)) {
        const locked = await this.repo.lockGrant(em, grant.id);
        if (locked && (await this.revokeInTransaction(em, locked, 'session_ended', {}))) {
          revoked.push(locked);
        }
      }
      return { grants, revoked };
    });
  }

  private async revokeInTransaction(
    em: EntityManager,
    grant: GrantEntity,
    reason: GrantRevocationReason,
    extra: RevocationOrigin & { token_type?: string },
  ): Promise<boolean> {
    const now = this.clock.now();
    if (!(await this.repo.revokeGrant(em, grant.id, reason, now))) return false;
    await this.audit.recordInTransaction(em, 'token.revoked', {
      subject: grant.id,
      // RFC 7009: the client revoked its own token; otherwise the request's actor (an
      // administrator) or the user.
      actor: reason === 'client_revoked' ? { type: 'client', id: grant.clientId } : undefined,
      data: {
        client_id: grant.clientId,
        sub: grant.sub,
        session: grant.sid ?? undefined,
        grant: grant.id,
        reason,
        ...extra,
      },
    });
    grant.revokedAt = now;
    grant.revokedReason = reason;
    return true;
  }
}

/** A live grant without offline_access: it ends with its session. */
export function isLiveOnlineGrant(grant: Pick<GrantEntity, 'scope' | 'revokedAt'>): boolean {
  return grant.revokedAt === null && !parseScope(grant.scope).has(OFFLINE_ACCESS_SCOPE);
}

export function grantView(grant: GrantEntity): GrantView {
  const view: GrantView = {
    id: grant.id,
    client_id: grant.clientId,
    sub: grant.sub,
    scope: grant.scope,
    created_at: grant.createdAt.toISOString(),
    revoked_at: grant.revokedAt ? grant.revokedAt.toISOString() : null,
  };
  if (grant.sid) view.sid = grant.sid;
  return view;
}
