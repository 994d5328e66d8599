import { AuditClient } from '@latchkey/audit-client';
import { Injectable } from '@nestjs/common';
import {
  TokenSubjects,
  type GrantView,
  type ListUserGrantsRequest,
  type ListUserGrantsResponse,
  type RevokeGrantRequest,
  type RevokeGrantResponse,
  type RevokeUserGrantsRequest,
  type RevokeUserGrantsResponse,
} from '@latchkey/contracts';
import { NotFound } from '@latchkey/oauth';
import { BusClient } from '@latchkey/transport';
import type { ConsentEntity } from '../consent/consent.entity';
import { ConsentsRepository } from '../consent/consents.repository';
import { SessionLogout } from '../logout/session-logout.service';
import { SessionService } from '../session/session.service';
import { sessionExpiresAt, type SsoSession } from '../session/sso-session';
import { UsersService } from '../users/users.service';
import type { ConsentDto, SessionDto } from './grants.dto';

/** Grant ids are the token service's UUIDs: anything else is no grant, without asking. */
const GRANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What a user holds, for an administrator: grants (token service), SSO sessions (KV store) and
 * remembered consents (gateway Postgres), and ending each of them. Every per-user operation
 * answers 404 for a user that does not exist.
 */
@Injectable()
export class AdminGrantsService {
  constructor(
    private readonly bus: BusClient,
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly sessionLogout: SessionLogout,
    private readonly consents: ConsentsRepository,
    private readonly audit: AuditClient,
  ) {}

  async listGrants(sub: string): Promise<ListUserGrantsResponse> {
    await this.checkUserExists(sub);
    return { items: await this.grantsOf(sub) };
  }

  async revokeGrants(sub: string): Promise<RevokeUserGrantsResponse> {
    await this.checkUserExists(sub);
    const response = await this.bus.request<RevokeUserGrantsResponse>(
      TokenSubjects.RevokeUserGrants,
      { sub } satisfies RevokeUserGrantsRequest,
    );
    return { revoked: response.revoked };
  }

  async revokeGrant(grantId: string): Promise<void> {
    if (!GRANT_ID.test(grantId)) throw noSuchGrant();
    await this.bus.request<RevokeGrantResponse>(TokenSubjects.RevokeGrant, {
      grant_id: grantId,
    } satisfies RevokeGrantRequest);
  }

  async listSessions(sub: string): Promise<{ items: SessionDto[] }> {
    await this.checkUserExists(sub);
    return { items: (await this.sessions.listFor(sub)).map(toSessionDto) };
  }

  async endSessions(sub: string): Promise<{ ended: number }> {
    await this.checkUserExists(sub);
    return { ended: await this.sessionLogout.endAllOf(sub) };
  }

  async listConsents(sub: string): Promise<{ items: ConsentDto[] }> {
    await this.checkUserExists(sub);
    return { items: (await this.consents.listOf(sub)).map(toConsentDto) };
  }

  /**
   * Withdraws a remembered consent: the user is asked again next time, and the client loses what
   * the consent gave it, its grants from this user (their refresh tokens). The grants are revoked
   * first, so that if the token service cannot be reached (503) the consent is still there for
   * the repeated request to find.
   */
  async withdrawConsent(sub: string, clientId: string): Promise<void> {
    await this.checkUserExists(sub);
    if (!(await this.consents.exists(sub, clientId))) {
      throw new NotFound('the user has no remembered consent for this client');
    }
    const active = (await this.grantsOf(sub)).filter(
      (grant) => grant.client_id === clientId && !grant.revoked_at,
    );
    for (const grant of active) {
      await this.bus.request<RevokeGrantResponse>(TokenSubjects.RevokeGrant, {
        grant_id: grant.id,
        sub,
      } satisfies RevokeGrantRequest);
    }
    await this.consents.withdraw(sub, clientId, (em) =>
      this.audit.recordInTransaction(em, 'consent.revoked', {
        subject: sub,
        data: { client_id: clientId, sub },
      }),
    );
  }

  private async grantsOf(sub: string): Promise<GrantView[]> {
    const response = await this.bus.request<ListUserGrantsResponse>(TokenSubjects.ListUserGrants, {
      sub,
    } satisfies ListUserGrantsRequest);
    return response.items;
  }

  private async checkUserExists(sub: string): Promise<void> {
    if (!(await this.users.findById(sub))) throw new NotFound('no such user');
  }
}

function noSuchGrant(): NotFound {
  return new NotFound('no such grant');
}

function toSessionDto(session: SsoSession): SessionDto {
  return {
    sid: session.sid,
    auth_time: new Date(session.auth_time * 1000).toISOString(),
    amr: session.amr,
    created_at: new Date(session.created_at).toISOString(),
    last_seen_at: new Date(session.last_active).toISOString(),
    expires_at: new Date(sessionExpiresAt(session)).toISOString(),
  };
}

function toConsentDto(consent: ConsentEntity): ConsentDto {
  return {
    client_id: consent.clientId,
    scopes: [...consent.scopes].sort(),
    created_at: consent.createdAt.toISOString(),
    updated_at: consent.updatedAt.toISOString(),
  };
}
