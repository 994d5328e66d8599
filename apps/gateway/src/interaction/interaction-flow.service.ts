import { Inject, Injectable } from '@nestjs/common';
import type { ClientRecord } from '@latchkey/contracts';
import { AccessDenied, InvalidRequest, readSingleParams, type RawParams } from '@latchkey/oauth';
import { ClientsCache } from '@latchkey/registry-client';
import {
  checkPromptNoneAllowsConsent,
  checkPromptNoneAllowsLogin,
  loginNeeded,
  type AuthenticatedUser,
} from '../authorize/authorization-decision';
import type { AuthorizationRequest } from '../authorize/authorization-request';
import { AuthorizationRequestReader } from '../authorize/authorization-request.reader';
import { errorRedirect, toClient } from '../authorize/authorization-response';
import { checkClientActive } from '../authorize/authorize-rules';
import { CodeIssuer } from '../authorize/code-issuer';
import { Clock } from '@latchkey/core';
import { checkDecision, ConsentService } from '../consent/consent.service';
import { ErrorRedirect } from '../errors/error-redirect';
import { hintedProvider, homeRealmProvider } from '../federation/provider-choice';
import { UpstreamLoginService } from '../federation/upstream-login.service';
import type { BrowserRequest } from '../http/browser-request';
import { ISSUER } from '@latchkey/oauth-http';
import { LoginService } from '../login/login.service';
import type { Page, PageOrRedirect } from '../pages/page';
import { SessionService, userOf, type CurrentSession } from '../session/session.service';
import { UsersService } from '../users/users.service';
import { interactionQuery, type Interaction } from './interaction';
import { InteractionService, type LoadedInteraction } from './interaction.service';

/** An interaction that the next step continues, and whether the user signed in during it. */
interface Continued {
  loaded: LoadedInteraction;
  signedInHere: boolean;
}

/**
 * The authorization code flow through the browser (docs/architecture.md §2; OIDC Core §3.1.2),
 * from an accepted authorization request to the code, and the one place that decides which step
 * comes next:
 *
 *   request accepted (GET /authorize, or POST /authorize parked until GET /authorize/resume)
 *     └▶ login needed? (no session, prompt=login, max_age, id_token_hint)
 *          yes ▶ idp_hint, or login_hint's domain, names one upstream provider?
 *                  yes ▶ upstream sign-in ▶ callback: new session ▶ consent needed?
 *                  no  ▶ login page (prompt=none: login_required to the client)
 *                          ├▶ an e-mail typed whose domain one upstream serves ▶ upstream sign-in
 *                          ├▶ credentials checked (local password, else the client's LDAP
 *                          │  directories), new session ▶ consent needed?
 *                          └▶ "Continue with <provider>" ▶ upstream sign-in (as above)
 *          no  ▶ consent needed? (remembered consent, skip_consent, prompt=consent)
 *   consent needed?  yes ▶ consent page (prompt=none: consent_required to the client)
 *                            └▶ decision: deny ▶ access_denied to the client
 *                                         allow ▶ remembered ▶ code issued
 *                    no  ▶ code issued: 303 to the client with code, state and iss
 *
 * The login, consent and session services, the interaction store and the code issuer are leaves
 * it calls; none of them calls back. Every answer is a URL to 303 to or a page; errors for the
 * client come as ErrorRedirect.
 */
@Injectable()
export class InteractionFlow {
  constructor(
    private readonly reader: AuthorizationRequestReader,
    private readonly clients: ClientsCache,
    private readonly interactions: InteractionService,
    private readonly sessions: SessionService,
    private readonly users: UsersService,
    private readonly login: LoginService,
    private readonly upstream: UpstreamLoginService,
    private readonly consent: ConsentService,
    private readonly codes: CodeIssuer,
    private readonly clock: Clock,
    @Inject(ISSUER) private readonly issuer: string,
  ) {}

  /** GET /authorize: the request, with the browser's cookies. */
  async authorize(browser: BrowserRequest, params: RawParams): Promise<string> {
    const { client, request } = await this.reader.read(params);
    return this.accepted(browser, client, request, undefined);
  }

  /**
   * POST /authorize: a cross-site form post carries no SameSite=Lax cookies, so the session
   * cannot be seen yet. The request is parked (unbound) and the browser sent to a same-site
   * GET that continues it with its cookies.
   */
  async park(browser: BrowserRequest, params: RawParams): Promise<string> {
    const { client, request } = await this.reader.read(params);
    const interaction = await this.interactions.start(
      browser.cookies,
      request,
      clientNameOf(client),
      { bind: false },
    );
    return `${this.issuer}/authorize/resume?${interactionQuery(interaction.id)}`;
  }

  /** GET /authorize/resume: a parked request, now with the browser's cookies. */
  async resume(browser: BrowserRequest, interactionId: string | undefined): Promise<string> {
    const loaded = await this.interactions.load(browser.cookies, interactionId);
    const client = await this.activeClient(loaded.interaction.request.client_id);
    return this.accepted(browser, client, loaded.interaction.request, {
      loaded,
      signedInHere: false,
    });
  }

  /** GET /login: the login page of this browser's interaction. */
  async loginPage(browser: BrowserRequest, interactionId: string | undefined): Promise<Page> {
    const { interaction } = await this.interactions.load(browser.cookies, interactionId);
    return this.login.form(interaction, await this.upstream.offered(interaction));
  }

  /** GET /login/upstream/<provider>: "Continue with <provider>" of this browser's interaction. */
  async startUpstream(
    browser: BrowserRequest,
    interactionId: string | undefined,
    providerId: string,
  ): Promise<string> {
    const { interaction } = await this.interactions.load(browser.cookies, interactionId);
    const provider = (await this.upstream.offered(interaction)).find((p) => p.id === providerId);
    if (!provider) throw new InvalidRequest('this identity provider is not available here');
    return this.upstream.start(browser, interaction, provider);
  }

  /**
   * GET /login/upstream/<provider>/callback: the upstream signed the user in (a new session);
   * on to consent or the code, as after the login form.
   */
  async finishUpstream(
    browser: BrowserRequest,
    providerId: string,
    query: RawParams,
  ): Promise<string> {
    let loaded: LoadedInteraction | undefined;
    const signedIn = await this.upstream.finish(browser, providerId, query, async (id) => {
      loaded = await this.interactions.load(browser.cookies, id);
      return loaded.interaction;
    });
    const { request } = loaded!.interaction;
    const client = await this.activeClient(request.client_id);
    return this.consentOrCode(browser, client, request, signedIn.user, {
      loaded: loaded!,
      signedInHere: true,
    });
  }

  /** POST /login: the form again while the credentials are wrong; once right, the next step. */
  async submitLogin(browser: BrowserRequest, body: RawParams): Promise<PageOrRedirect> {
    const fields = readSingleParams(body, ['interaction', 'csrf', 'username', 'password']);
    const loaded = await this.interactions.load(browser.cookies, fields.interaction);
    this.interactions.checkForm(browser, loaded.interaction, fields.csrf);
    const routed = await this.typedHomeRealm(browser, loaded.interaction, fields.username);
    if (routed) return { redirect: routed };
    const signedIn = await this.login.signIn(browser, loaded.interaction, {
      username: fields.username,
      password: fields.password,
    });
    if ('page' in signedIn) return signedIn;
    const { request } = loaded.interaction;
    const client = await this.activeClient(request.client_id);
    const continued = { loaded, signedInHere: true };
    return {
      redirect: await this.consentOrCode(browser, client, request, signedIn.user, continued),
    };
  }

  /** GET /consent: the consent page, or the login first when nobody signed in yet. */
  async consentPage(
    browser: BrowserRequest,
    interactionId: string | undefined,
  ): Promise<PageOrRedirect> {
    const { interaction } = await this.interactions.load(browser.cookies, interactionId);
    // Not signed in yet (a bookmarked or reordered step): the login comes first.
    if (!interaction.user) return { redirect: this.loginUrl(interaction) };
    const user = await this.consentingUser(browser, interaction);
    return { page: await this.consent.form(interaction, user) };
  }

  /** POST /consent: the user's decision finishes the interaction, either way. */
  async submitConsent(browser: BrowserRequest, body: RawParams): Promise<string> {
    const fields = readSingleParams(body, ['interaction', 'csrf', 'decision']);
    const loaded = await this.interactions.load(browser.cookies, fields.interaction);
    this.interactions.checkForm(browser, loaded.interaction, fields.csrf);
    const decision = checkDecision(fields.decision);
    const user = await this.consentingUser(browser, loaded.interaction);
    // Claimed before anything is recorded: a double submit gets one decision, one event.
    const interaction = await this.interactions.claim(loaded);
    const { request } = interaction;
    if (decision === 'deny') {
      await this.consent.recordDenied(interaction, user);
      const denied = new AccessDenied('the user denied the request');
      throw new ErrorRedirect(errorRedirect(request, denied, this.issuer), denied);
    }
    await this.activeClient(request.client_id);
    await this.consent.remember(user, request);
    return this.issue(interaction, user);
  }

  /**
   * An accepted request: the login page when the browser's session will not do, else on to
   * consent or the code. Errors of the request go back to the client (prompt=none included).
   */
  private async accepted(
    browser: BrowserRequest,
    client: ClientRecord,
    request: AuthorizationRequest,
    parked: Continued | undefined,
  ): Promise<string> {
    try {
      const current = await this.activeSession(browser);
      const sessionUser = current && userOf(current);
      const reason = loginNeeded(request, sessionUser, this.clock.nowSeconds());
      checkPromptNoneAllowsLogin(request, reason);
      if (reason !== undefined || !sessionUser) {
        const interaction =
          parked?.loaded.interaction ??
          (await this.interactions.start(browser.cookies, request, clientNameOf(client)));
        const routed = await this.routedProvider(interaction);
        if (routed) return await this.upstream.start(browser, interaction, routed);
        return this.loginUrl(interaction);
      }
      return await this.consentOrCode(browser, client, request, sessionUser, parked);
    } catch (err) {
      throw toClient(request, err, this.issuer);
    }
  }

  /**
   * The user is known (from the session, or signed in just now): the consent page when they must
   * be asked, else the code. The only place that decides between the two.
   */
  private async consentOrCode(
    browser: BrowserRequest,
    client: ClientRecord,
    request: AuthorizationRequest,
    user: AuthenticatedUser,
    continued: Continued | undefined,
  ): Promise<string> {
    const needed = await this.consent.isNeeded(request, client, user);
    checkPromptNoneAllowsConsent(request, needed);
    if (!continued) {
      if (!needed) return this.codes.issue(request, user);
      const started = await this.interactions.start(
        browser.cookies,
        request,
        clientNameOf(client),
        { user },
      );
      return this.consentUrl(started);
    }
    const next: Interaction = {
      ...continued.loaded.interaction,
      user,
      ...(continued.signedInHere ? { logged_in_here: true } : {}),
    };
    if (needed) return this.consentUrl(await this.interactions.update(continued.loaded, next));
    await this.interactions.claim(continued.loaded);
    return this.issue(next, user);
  }

  /**
   * Direct routing (docs/identity-providers.md): the provider `idp_hint` names, else the one
   * provider that serves login_hint's e-mail domain (home-realm discovery); the login page is
   * skipped for it.
   */
  private async routedProvider(interaction: Interaction) {
    const { idp_hint, login_hint } = interaction.request;
    if (idp_hint === undefined && login_hint === undefined) return undefined;
    const offered = await this.upstream.offered(interaction);
    return hintedProvider(offered, idp_hint) ?? homeRealmProvider(offered, login_hint);
  }

  /**
   * Home-realm discovery from the form (docs/identity-providers.md): an e-mail typed as the
   * username whose domain exactly one offered upstream provider serves goes there (the e-mail
   * as its login_hint), whatever was typed as the password; nothing is checked here.
   */
  private async typedHomeRealm(
    browser: BrowserRequest,
    interaction: Interaction,
    username: string | undefined,
  ): Promise<string | undefined> {
    const provider = homeRealmProvider(await this.upstream.offered(interaction), username);
    if (!provider) return undefined;
    const hinted = { ...interaction, request: { ...interaction.request, login_hint: username } };
    return this.upstream.start(browser, hinted, provider);
  }

  /** The browser's session if it is active and its user still may sign in; else it ends. */
  private async activeSession(browser: BrowserRequest): Promise<CurrentSession | undefined> {
    const current = await this.sessions.current(browser.cookies);
    if (!current) return undefined;
    if (await this.users.findActiveById(current.session.sub)) return current;
    await this.sessions.end(current, 'user_disabled');
    return undefined;
  }

  /**
   * The user an interaction's consent step is for: it must still be the browser's session (not
   * signed out or replaced in another tab) and an active account.
   */
  private async consentingUser(
    browser: BrowserRequest,
    interaction: Interaction,
  ): Promise<AuthenticatedUser> {
    const user = interaction.user;
    const current = await this.sessions.current(browser.cookies);
    if (!user || !current || current.session.sid !== user.sid) {
      throw new InvalidRequest('your session has ended; start again from the application');
    }
    if (!(await this.users.findActiveById(user.sub))) {
      throw new InvalidRequest('your account cannot be used; start again from the application');
    }
    return user;
  }

  /** The client of an interaction, which may have been disabled or deleted meanwhile. */
  private async activeClient(clientId: string): Promise<ClientRecord> {
    const client = await this.clients.get(clientId);
    checkClientActive(client);
    return client;
  }

  /** Issues the code; an outage puts the interaction back so the user can retry the step. */
  private async issue(interaction: Interaction, user: AuthenticatedUser): Promise<string> {
    try {
      return await this.codes.issue(interaction.request, user);
    } catch (err) {
      if (!(err instanceof ErrorRedirect)) {
        // Best effort: the original failure is what the user must see.
        await this.interactions.restore(interaction).catch(() => undefined);
      }
      throw err;
    }
  }

  private loginUrl(interaction: Interaction): string {
    return `${this.issuer}/login?${interactionQuery(interaction.id)}`;
  }

  private consentUrl(interaction: Interaction): string {
    return `${this.issuer}/consent?${interactionQuery(interaction.id)}`;
  }
}

/** The name the pages show for a client. */
export function clientNameOf(client: ClientRecord): string {
  return client.client_name || client.client_id;
}
