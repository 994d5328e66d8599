import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditClient } from '@latchkey/audit-client';
import { sha256Base64Url, TemporarilyUnavailable, toOAuthError } from '@latchkey/oauth';
import { logins } from '@latchkey/platform';
import type { AuthenticatedUser } from '../authorize/authorization-decision';
import type { BrowserRequest } from '../http/browser-request';
import { UpstreamLoginService } from '../federation/upstream-login.service';
import { interactionQuery, type Interaction } from '../interaction/interaction';
import { TooManyRequests } from '@latchkey/oauth-http';
import { ISSUER } from '@latchkey/oauth-http';
import { loginPage } from '../pages/login.page';
import type { Page } from '../pages/page';
import { formActionSourceFor } from '../pages/page-headers';
import { SessionService, userOf } from '../session/session.service';
import { usernameKey } from '../users/username';
import { UsersService } from '../users/users.service';
import { LoginRateLimiter } from './login-rate-limiter';

/** The same words whatever was wrong, so the page never tells whether an account exists. */
export const LOGIN_FAILED_MESSAGE = 'The username or password is not correct.';
export const LOGIN_INCOMPLETE_MESSAGE = 'Enter your username and password.';
/** A failed sign-in re-renders the form with this status (the form was not accepted). */
export const LOGIN_FAILED_STATUS = 400;

/** The form's `username` and `password` fields, as submitted (each at most once). */
export interface Credentials {
  username?: string;
  password?: string;
}

/** Signed in (a new SSO session, its cookie set), or the form again with what was wrong. */
export type SignInOutcome = { user: AuthenticatedUser } | { page: Page };

/** Every login field is a single value; a password has no business being longer. */
const MAX_FIELD_LENGTH = 1024;

/**
 * The login step: the form, and checking what was typed into it (under the login rate limits)
 * up to a new SSO session. Which step comes before or after is InteractionFlow's to decide.
 */
@Injectable()
export class LoginService {
  private readonly logger = new Logger(LoginService.name);
  private readonly attempts = logins();

  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly limiter: LoginRateLimiter,
    private readonly upstream: UpstreamLoginService,
    private readonly audit: AuditClient,
    @Inject(ISSUER) private readonly issuer: string,
  ) {}

  /** The empty form, prefilled with the request's login_hint, and the upstream providers. */
  form(interaction: Interaction, providers: readonly { id: string; display_name: string }[]): Page {
    return this.page(interaction, {
      username: interaction.request.login_hint,
      providers: providers.map((p) => ({
        name: p.display_name,
        href: `${this.issuer}/login/upstream/${p.id}?${interactionQuery(interaction.id)}`,
      })),
    });
  }

  /**
   * Checks the credentials of a submitted form (the interaction and its CSRF token already
   * checked): an attempt is counted before the password is checked, and refused with 429 over
   * the limits; a wrong or incomplete form is the form again, with one generic message; the
   * right password starts a new session. The password is the local account's when it has one
   * that matches, else the LDAP directories offered to the client judge it
   * (docs/identity-providers.md): the same limits, the same failure, the same page.
   */
  async signIn(
    browser: BrowserRequest,
    interaction: Interaction,
    { username, password }: Credentials,
  ): Promise<SignInOutcome> {
    if (username === undefined || password === undefined) {
      return this.retry(interaction, username, LOGIN_INCOMPLETE_MESSAGE);
    }
    const refusal = await this.limiter.reserve(username, browser.ip);
    if (refusal) {
      this.attempts.inc({ method: 'password', outcome: 'rate_limited' });
      await this.recordFailure(browser, interaction, username, {
        reason: 'rate_limited',
        limit: refusal.limit,
      });
      throw new TooManyRequests(
        refusal.retryAfterSeconds,
        'too many failed sign-in attempts; try again later',
      );
    }
    if (username.length > MAX_FIELD_LENGTH || password.length > MAX_FIELD_LENGTH) {
      return this.failed(browser, interaction, username, 'password');
    }
    const user = await this.givenBackOnOutage(browser, username, () =>
      this.users.verifyCredentials(username, password),
    );
    if (!user) {
      const directory = await this.givenBackOnOutage(browser, username, () =>
        this.upstream.signInWithDirectory(browser, interaction, username, password),
      );
      if ('refused' in directory) {
        const method = directory.identityProvider ? 'ldap' : 'password';
        return this.failed(browser, interaction, username, method, directory.identityProvider);
      }
      await this.limiter.recordSuccess(username, browser.ip);
      this.attempts.inc({ method: 'ldap', outcome: 'succeeded' });
      return directory;
    }
    await this.limiter.recordSuccess(username, browser.ip);
    const current = await this.sessions.start(browser.cookies, { sub: user.id, amr: ['pwd'] });
    const success = {
      client_id: interaction.request.client_id,
      sub: user.id,
      session: current.session.sid,
      ip: browser.ip,
      user_agent: browser.userAgent,
    };
    this.attempts.inc({ method: 'password', outcome: 'succeeded' });
    this.logger.log({ event: 'login.succeeded', ...success, msg: 'login succeeded' });
    await this.audit.record('login.succeeded', { subject: user.id, data: success });
    return { user: userOf(current) };
  }

  /** Wrong credentials: counted, audited, and the form again with the one generic message. */
  private async failed(
    browser: BrowserRequest,
    interaction: Interaction,
    username: string,
    method: 'password' | 'ldap',
    identityProvider?: string,
  ): Promise<SignInOutcome> {
    this.attempts.inc({ method, outcome: 'failed' });
    await this.recordFailure(browser, interaction, username, {
      reason: 'invalid_credentials',
      ...(identityProvider ? { identity_provider: identityProvider } : {}),
    });
    return this.retry(interaction, username, LOGIN_FAILED_MESSAGE);
  }

  /**
   * Runs a password check (the local account's or a directory's). When it cannot be made (the
   * database, the store or the directory unreachable: 503), the attempt reserved for it is given
   * back on the way out, so an outage locks nobody out.
   */
  private async givenBackOnOutage<T>(
    browser: BrowserRequest,
    username: string,
    check: () => Promise<T>,
  ): Promise<T> {
    try {
      return await check();
    } catch (err) {
      if (toOAuthError(err) instanceof TemporarilyUnavailable) {
        await this.limiter.release(username, browser.ip).catch(() => undefined);
      }
      throw err;
    }
  }

  /** Logs and audits a refused sign-in: who tried, from where, and why; never what was typed. */
  private async recordFailure(
    browser: BrowserRequest,
    interaction: Interaction,
    username: string,
    why: {
      reason: 'invalid_credentials' | 'rate_limited';
      limit?: string;
      /** The LDAP directory that refused the password. */
      identity_provider?: string;
    },
  ): Promise<void> {
    const failure = {
      client_id: interaction.request.client_id,
      // Hashed: a username field sometimes holds a password typed in the wrong box.
      username_sha256: sha256Base64Url(usernameKey(username)).slice(0, 16),
      ip: browser.ip,
      user_agent: browser.userAgent,
      ...why,
    };
    this.logger.warn({ event: 'login.failed', ...failure, msg: 'login failed' });
    await this.audit.record('login.failed', { actor: { type: 'anonymous' }, data: failure });
  }

  private retry(interaction: Interaction, username: string | undefined, error: string) {
    return {
      page: this.page(interaction, {
        username: username && username.length <= 256 ? username : undefined,
        error,
        status: LOGIN_FAILED_STATUS,
      }),
    };
  }

  private page(
    interaction: Interaction,
    extra: {
      username?: string;
      error?: string;
      status?: number;
      providers?: { name: string; href: string }[];
    },
  ): Page {
    const formAction = formActionSourceFor(interaction.request.redirect_uri);
    return loginPage({
      action: `${this.issuer}/login`,
      interactionId: interaction.id,
      csrf: interaction.csrf,
      clientName: interaction.client_name,
      formActionSources: formAction ? [formAction] : [],
      ...extra,
    });
  }
}
