import { Injectable, Logger } from '@nestjs/common';
import { AuditClient } from '@latchkey/audit-client';
import { randomToken, sha256Base64Url } from '@latchkey/oauth';
import type { AuthenticatedUser } from '../authorize/authorization-decision';
import { Clock } from '@latchkey/core';
import type { CookiePort } from '../http/cookie-port';
import { SessionsRepository } from './sessions.repository';
import {
  isSessionActive,
  SESSION_ABSOLUTE_LIFETIME_MS,
  sessionTtlMs,
  shouldTouch,
  type SsoSession,
} from './sso-session';

/** Why sessions end, as `session.ended` names it (docs/audit-events.md). */
export type SessionEndReason =
  'logout' | 'replaced' | 'expired' | 'user_disabled' | 'user_deleted' | 'admin';

/** The session of the request, with the store key it lives under. */
export interface CurrentSession {
  key: string;
  session: SsoSession;
}

/**
 * SSO sessions: a signed, HttpOnly cookie holds a random secret id; the store holds the session
 * under its hash. A sign-in always starts a new session with a new id (no fixation), replacing
 * the browser's previous one; sessions end at their absolute lifetime, after the idle timeout,
 * on logout, or when their user is disabled or deleted. The browser's cookies come in through a
 * CookiePort; the flows that use sessions decide when. Starts and ends are audited
 * (`session.started`, `session.ended`) once the store has them; a session that times out unused
 * leaves the store by itself, unseen, and is audited only if a browser brings it back.
 */
@Injectable()
export class SessionService {
  private readonly logger = new Logger(SessionService.name);

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly clock: Clock,
    private readonly audit: AuditClient,
  ) {}

  /** The browser's active session, its activity recorded; undefined when there is none. */
  async current(cookies: CookiePort): Promise<CurrentSession | undefined> {
    const secret = cookies.get('session');
    if (secret === undefined) return undefined;
    const key = sha256Base64Url(secret);
    const session = await this.sessions.find(key);
    const now = this.clock.now().getTime();
    if (!session) return undefined;
    if (!isSessionActive(session, now)) {
      await this.sessions.delete(key, session.sub);
      await this.recordEnded(session.sub, 'expired', { session: session.sid });
      return undefined;
    }
    if (shouldTouch(session, now)) {
      const touched = { ...session, last_active: now };
      await this.sessions.save(key, touched, sessionTtlMs(touched, now));
      return { key, session: touched };
    }
    return { key, session };
  }

  /** Starts a session for a user who just signed in, ending the browser's previous one. */
  async start(
    cookies: CookiePort,
    login: { sub: string; amr: string[]; acr?: string; idp?: string },
  ): Promise<CurrentSession> {
    await this.endCurrent(cookies);
    const now = this.clock.now().getTime();
    const secret = randomToken();
    const key = sha256Base64Url(secret);
    const session: SsoSession = {
      sid: randomToken(16),
      sub: login.sub,
      auth_time: Math.floor(now / 1000),
      amr: login.amr,
      ...(login.acr !== undefined ? { acr: login.acr } : {}),
      ...(login.idp !== undefined ? { idp: login.idp } : {}),
      created_at: now,
      last_active: now,
    };
    await this.sessions.create(key, session, sessionTtlMs(session, now));
    await this.audit.record('session.started', {
      subject: session.sub,
      data: { sub: session.sub, session: session.sid, amr: session.amr },
    });
    cookies.set('session', secret, { maxAgeSeconds: SESSION_ABSOLUTE_LIFETIME_MS / 1000 });
    return { key, session };
  }

  /** Ends the browser's session (if any) and clears its cookie. */
  async endCurrent(cookies: CookiePort): Promise<void> {
    const secret = cookies.get('session');
    if (secret === undefined) return;
    const key = sha256Base64Url(secret);
    const session = await this.sessions.find(key);
    await this.sessions.delete(key, session?.sub);
    cookies.clear('session');
    if (session) await this.recordEnded(session.sub, 'replaced', { session: session.sid });
  }

  /** Ends one session by its key (logout, or its user turned out to be disabled). */
  async end(current: CurrentSession, reason: SessionEndReason): Promise<void> {
    await this.sessions.delete(current.key, current.session.sub);
    await this.recordEnded(current.session.sub, reason, { session: current.session.sid });
  }

  /** Clears the browser's session cookie (its session was ended by key). */
  clearCookie(cookies: CookiePort): void {
    cookies.clear('session');
  }

  /** The user's active sessions (for the admin API), oldest first. */
  async listFor(sub: string): Promise<SsoSession[]> {
    const now = this.clock.now().getTime();
    return (await this.sessions.listOf(sub))
      .map(({ session }) => session)
      .filter((session) => isSessionActive(session, now))
      .sort((a, b) => a.created_at - b.created_at);
  }

  /**
   * Ends every session of a user and answers those that were active, for the caller to tell the
   * relying parties (logout of all sessions).
   */
  async takeAllFor(sub: string): Promise<SsoSession[]> {
    const now = this.clock.now().getTime();
    const taken = (await this.sessions.takeAllOf(sub))
      .map(({ session }) => session)
      .filter((session) => isSessionActive(session, now));
    this.logger.log({
      event: 'session.ended',
      sub,
      sessions: taken.length,
      msg: 'ended user sessions',
    });
    await this.recordEnded(sub, 'admin', { sessions: taken.length });
    return taken;
  }

  /**
   * Ends every session of a user (disabled or deleted), on every replica's browsers alike. Only
   * sessions that ended are an event: a disable or delete repeated after a 503 (which ends the
   * user's access again, docs/audit.md) finds none left and records nothing twice.
   */
  async endAllFor(sub: string, reason: 'user_disabled' | 'user_deleted'): Promise<void> {
    const ended = await this.sessions.deleteAllOf(sub);
    this.logger.log({ event: 'session.ended', sub, sessions: ended, msg: 'ended user sessions' });
    if (ended > 0) await this.recordEnded(sub, reason, { sessions: ended });
  }

  private async recordEnded(
    sub: string,
    reason: SessionEndReason,
    which: { session: string } | { sessions: number },
  ): Promise<void> {
    await this.audit.record('session.ended', { subject: sub, data: { sub, reason, ...which } });
  }
}

/** The identity an authorization request learns from a session. */
export function userOf(current: CurrentSession): AuthenticatedUser {
  const { sub, auth_time, amr, acr, idp, sid } = current.session;
  return {
    sub,
    auth_time,
    amr,
    sid,
    ...(acr !== undefined ? { acr } : {}),
    ...(idp !== undefined ? { idp } : {}),
  };
}
