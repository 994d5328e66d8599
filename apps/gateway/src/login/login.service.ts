import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditClient } from '@latchkey/audit-client';
import { readSingleParams, sha256Base64Url, type RawParams } from '@latchkey/oauth';
import type { Request, Response } from 'express';
import { AuthorizationFlow } from '../authorize/authorization-flow.service';
import type { Interaction } from '../interaction/interaction';
import { InteractionService } from '../interaction/interaction.service';
import { ISSUER } from '../issuer.module';
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

export type LoginOutcome = { redirect: string } | { page: Page };

/** Every login field is a single value; a password has no business being longer. */
const MAX_FIELD_LENGTH = 1024;

/** The login step of an interaction: the form, and what a submission leads to. */
@Injectable()
export class LoginService {
  private readonly logger = new Logger(LoginService.name);

  constructor(
    private readonly interactions: InteractionService,
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly limiter: LoginRateLimiter,
    private readonly flow: AuthorizationFlow,
    private readonly audit: AuditClient,
    @Inject(ISSUER) private readonly issuer: string,
  ) {}

  async form(req: Request, res: Response, interactionId: string | undefined): Promise<Page> {
    const { interaction } = await this.interactions.load(req, res, interactionId);
    return this.page(interaction, { username: interaction.request.login_hint });
  }

  async submit(req: Request, res: Response, body: RawParams): Promise<LoginOutcome> {
    const fields = readSingleParams(body, ['interaction', 'csrf', 'username', 'password']);
    const loaded = await this.interactions.load(req, res, fields.interaction);
    const { interaction } = loaded;
    this.interactions.checkForm(req, interaction, fields.csrf);
    const { username, password } = fields;
    if (username === undefined || password === undefined) {
      return this.retry(interaction, username, LOGIN_INCOMPLETE_MESSAGE);
    }
    await this.limiter.check(username, req.ip);
    const user =
      username.length > MAX_FIELD_LENGTH || password.length > MAX_FIELD_LENGTH
        ? null
        : await this.users.verifyCredentials(username, password);
    if (!user) {
      await this.limiter.recordFailure(username, req.ip);
      const failure = {
        client_id: interaction.request.client_id,
        // Hashed: a username field sometimes holds a password typed in the wrong box.
        username_sha256: sha256Base64Url(usernameKey(username)).slice(0, 16),
        ip: req.ip,
        user_agent: req.headers['user-agent'],
      };
      this.logger.warn({ event: 'login.failed', ...failure, msg: 'login failed' });
      await this.audit.record('login.failed', { data: failure });
      return this.retry(interaction, username, LOGIN_FAILED_MESSAGE);
    }
    await this.limiter.recordSuccess(username);
    const current = await this.sessions.start(req, res, { sub: user.id, amr: ['pwd'] });
    const success = {
      client_id: interaction.request.client_id,
      sub: user.id,
      session: current.session.sid,
      ip: req.ip,
      user_agent: req.headers['user-agent'],
    };
    this.logger.log({ event: 'login.succeeded', ...success, msg: 'login succeeded' });
    await this.audit.record('login.succeeded', { subject: user.id, data: success });
    return { redirect: await this.flow.loggedIn(req, res, loaded, userOf(current)) };
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
    extra: { username?: string; error?: string; status?: number },
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
