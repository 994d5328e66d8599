import { Injectable, Logger } from '@nestjs/common';
import {
  TokenSubjects,
  type EndSessionRequest,
  type EndSessionResponse,
} from '@latchkey/contracts';
import { TemporarilyUnavailable } from '@latchkey/oauth';
import { BusClient } from '@latchkey/transport';
import { BackchannelLogoutSender } from '../backchannel/backchannel-logout.sender';
import type { CookiePort } from '../http/cookie-port';
import { SessionService, type CurrentSession } from '../session/session.service';
import type { SsoSession } from '../session/sso-session';

/**
 * Ending an SSO session everywhere: the session leaves the store (no more SSO from any replica),
 * then the token service ends what was issued in it (`token.session.end`) and answers one signed
 * logout token per client to tell, which are queued durably and delivered in the background.
 *
 * The session is removed first, because that is what signs the user out: when the token service
 * cannot be reached, the user is still signed out, and what could not be done is logged (the
 * clients are then not told; the admin API can revoke the user's grants).
 */
@Injectable()
export class SessionLogout {
  private readonly logger = new Logger(SessionLogout.name);

  constructor(
    private readonly sessions: SessionService,
    private readonly bus: BusClient,
    private readonly backchannel: BackchannelLogoutSender,
  ) {}

  /** The browser's own session (logout): ended, its cookie cleared. */
  async endBrowserSession(cookies: CookiePort, current: CurrentSession): Promise<void> {
    await this.sessions.end(current, 'logout');
    this.sessions.clearCookie(cookies);
    this.logger.log({ event: 'session.ended', sub: current.session.sub, sid: current.session.sid });
    try {
      await this.endAtTokenService(current.session);
    } catch (err) {
      this.logger.warn({
        event: 'session.end_not_propagated',
        sid: current.session.sid,
        msg: `the session ended, but the token service could not end its tokens: ${describe(err)}`,
      });
    }
  }

  /**
   * Every session of a user (admin API). Answers how many were active. When the token service
   * could not be told about every one, the sessions are still gone, and the call rejects with 503
   * saying so: the administrator can revoke the user's grants instead.
   */
  async endAllOf(sub: string): Promise<number> {
    const ended = await this.sessions.takeAllFor(sub);
    const results = await Promise.allSettled(ended.map((s) => this.endAtTokenService(s)));
    const failures = results.filter((r) => r.status === 'rejected').length;
    if (failures > 0) {
      this.logger.warn({
        event: 'session.end_not_propagated',
        sub,
        sessions: failures,
        msg: 'sessions ended, but the token service could not end their tokens',
      });
      throw new TemporarilyUnavailable(
        "the sessions have ended, but their applications could not all be told; revoke the user's grants to end their tokens",
      );
    }
    return ended.length;
  }

  private async endAtTokenService(session: SsoSession): Promise<void> {
    const request: EndSessionRequest = { sid: session.sid, sub: session.sub };
    const response = await this.bus.request<EndSessionResponse | null>(
      TokenSubjects.EndSession,
      request,
    );
    const tokens = Array.isArray(response?.logout_tokens) ? response.logout_tokens : [];
    await this.backchannel.send(tokens);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
