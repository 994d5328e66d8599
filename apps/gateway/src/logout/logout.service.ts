import { ClientsCache } from '@latchkey/registry-client';
import { Inject, Injectable } from '@nestjs/common';
import type { BrandConfig } from '@latchkey/config';
import { InvalidRequest, randomToken, readSingleParams, type RawParams } from '@latchkey/oauth';
import { IdTokenHintVerifier } from '../authorize/id-token-hint.verifier';
import type { BrowserRequest } from '../http/browser-request';
import { checkCsrfToken, checkSameOrigin } from '../interaction/csrf';
import { ISSUER } from '@latchkey/oauth-http';
import { loggedOutPage } from '../pages/logged-out.page';
import { logoutConfirmPage } from '../pages/logout-confirm.page';
import type { Page, PageOrRedirect } from '../pages/page';
import { formActionSourceFor } from '../pages/page-headers';
import { BRAND } from '../pages/page.renderer';
import { SessionService, type CurrentSession } from '../session/session.service';
import { UsersService } from '../users/users.service';
import {
  checkClientIdMatchesHint,
  checkLogoutHintClaims,
  checkPostLogoutRedirectUri,
  hintMatchesSession,
  type LogoutHint,
  postLogoutRedirect,
  readLogoutParameters,
} from './logout-rules';
import { LogoutRequestsRepository } from './logout-requests.repository';
import { SessionLogout } from './session-logout.service';

/**
 * OIDC RP-Initiated Logout 1.0 (`end_session_endpoint`). The parameters are checked first (any
 * error is shown on the error page, never redirected). Then: no session, nothing to end; an
 * id_token_hint naming this browser's session, ended at once; otherwise the user is asked to
 * confirm on a CSRF-protected page. Ended sessions end everywhere (SessionLogout). The answer is a
 * 303 to the client's registered post_logout_redirect_uri with its state, or the signed-out page.
 */
@Injectable()
export class LogoutService {
  constructor(
    private readonly hints: IdTokenHintVerifier,
    private readonly clients: ClientsCache,
    private readonly sessions: SessionService,
    private readonly users: UsersService,
    private readonly pending: LogoutRequestsRepository,
    private readonly sessionLogout: SessionLogout,
    @Inject(ISSUER) private readonly issuer: string,
    @Inject(BRAND) private readonly brand: BrandConfig,
  ) {}

  /** GET /logout: the browser's cookies came along. */
  async logout(browser: BrowserRequest, raw: RawParams): Promise<PageOrRedirect> {
    const params = readLogoutParameters(raw);
    const hint =
      params.id_token_hint === undefined ? undefined : await this.checkHint(params.id_token_hint);
    const clientId = checkClientIdMatchesHint(params.client_id, hint);
    const client =
      clientId !== undefined && params.post_logout_redirect_uri !== undefined
        ? await this.clients.get(clientId)
        : undefined;
    const redirectUri = checkPostLogoutRedirectUri(
      params.post_logout_redirect_uri,
      clientId,
      client,
    );
    const done =
      redirectUri === undefined ? undefined : postLogoutRedirect(redirectUri, params.state);

    const current = await this.sessions.current(browser.cookies);
    if (!current) return finished(done);
    if (hint && hintMatchesSession(hint, current.session)) {
      await this.sessionLogout.endBrowserSession(browser.cookies, current);
      return finished(done);
    }
    return { page: await this.confirmationPage(current, done) };
  }

  /**
   * POST /logout: a relying party's cross-site form post carries no SameSite=Lax session cookie,
   * so the session cannot be seen yet. The same parameters go on as a same-site GET, which does.
   */
  forward(raw: RawParams): string {
    const params = readLogoutParameters(raw);
    const query = new URLSearchParams(params as Record<string, string>).toString();
    return `${this.issuer}/logout${query ? `?${query}` : ''}`;
  }

  /** POST /logout/confirm: the user confirmed on our page. */
  async confirm(browser: BrowserRequest, body: RawParams): Promise<PageOrRedirect> {
    const fields = readSingleParams(body, ['logout', 'csrf']);
    checkSameOrigin(browser, this.issuer);
    const pending = fields.logout === undefined ? null : await this.pending.find(fields.logout);
    if (!pending) {
      throw new InvalidRequest(
        'this sign-out request has expired; sign out again from the application',
      );
    }
    checkCsrfToken(fields.csrf, pending.csrf);
    await this.pending.delete(pending.id);
    const current = await this.sessions.current(browser.cookies);
    if (current) {
      if (current.key !== pending.session_key) {
        // Signed in again (maybe as someone else) since the page was shown: not what was confirmed.
        throw new InvalidRequest(
          'you signed in again meanwhile; sign out again from the application',
        );
      }
      await this.sessionLogout.endBrowserSession(browser.cookies, current);
    }
    return finished(pending.done);
  }

  private async checkHint(idTokenHint: string): Promise<LogoutHint> {
    return checkLogoutHintClaims(await this.hints.verify(idTokenHint), this.issuer);
  }

  private async confirmationPage(current: CurrentSession, done: string | undefined): Promise<Page> {
    const id = randomToken();
    const csrf = randomToken();
    await this.pending.create({
      id,
      csrf,
      session_key: current.key,
      ...(done === undefined ? {} : { done }),
    });
    const account = await this.users.findById(current.session.sub);
    const formAction = done === undefined ? undefined : formActionSourceFor(done);
    return logoutConfirmPage({
      action: `${this.issuer}/logout/confirm`,
      logoutId: id,
      csrf,
      brandName: this.brand.name,
      username: account?.username,
      formActionSources: formAction ? [formAction] : [],
    });
  }
}

function finished(done: string | undefined): PageOrRedirect {
  return done === undefined ? { page: loggedOutPage() } : { redirect: done };
}
