import { ClientsCache } from '@latchkey/registry-client';
import { Inject, Injectable } from '@nestjs/common';
import type { ClientRecord } from '@latchkey/contracts';
import { AccessDenied, InvalidRequest } from '@latchkey/oauth';
import type { Request, Response } from 'express';
import { Clock } from '@latchkey/core';
import { ConsentsRepository } from '../consent/consents.repository';
import { ErrorRedirect } from '../errors/edge-errors';
import type { Interaction } from '../interaction/interaction';
import { interactionQuery } from '../interaction/interaction';
import { InteractionService, type LoadedInteraction } from '../interaction/interaction.service';
import { ISSUER } from '../issuer.module';
import { SessionService, userOf, type CurrentSession } from '../session/session.service';
import { UsersService } from '../users/users.service';
import {
  checkPromptNoneAllowsConsent,
  checkPromptNoneAllowsLogin,
  consentNeeded,
  loginNeeded,
  type AuthenticatedUser,
} from './authorization-decision';
import type { AuthorizationRequest } from './authorization-request';
import { errorRedirect } from './authorization-response';
import { AuthorizationRequestReader } from './authorization-request.reader';
import { checkClientActive } from './authorize-rules';
import { CodeIssuer } from './code-issuer';

/**
 * The steps of one authorization request after it was read: answer at once from the SSO session
 * and remembered consent, or send the browser through the login and consent pages, then issue
 * the code. Every answer is a URL to 303 to; errors for the client come as ErrorRedirect.
 */
@Injectable()
export class AuthorizationFlow {
  constructor(
    private readonly reader: AuthorizationRequestReader,
    private readonly clients: ClientsCache,
    private readonly sessions: SessionService,
    private readonly users: UsersService,
    private readonly consents: ConsentsRepository,
    private readonly interactions: InteractionService,
    private readonly codes: CodeIssuer,
    private readonly clock: Clock,
    @Inject(ISSUER) private readonly issuer: string,
  ) {}

  /** GET /authorize: the browser's cookies came along. */
  async authorize(req: Request, res: Response, params: Record<string, unknown>): Promise<string> {
    const { client, request } = await this.reader.read(params);
    return this.decide(req, res, client, request, undefined);
  }

  /**
   * POST /authorize: a cross-site form post carries no SameSite=Lax cookies, so the session
   * cannot be seen yet. The request is parked (unbound) and the browser sent to a same-site
   * GET that continues it with its cookies.
   */
  async park(req: Request, res: Response, params: Record<string, unknown>): Promise<string> {
    const { client, request } = await this.reader.read(params);
    const interaction = await this.interactions.start(req, res, request, clientNameOf(client), {
      bind: false,
    });
    return `${this.issuer}/authorize/resume?${interactionQuery(interaction.id)}`;
  }

  /** GET /authorize/resume: a parked request, now with the browser's cookies. */
  async resume(req: Request, res: Response, interactionId: string | undefined): Promise<string> {
    const loaded = await this.interactions.load(req, res, interactionId);
    const client = await this.activeClient(loaded.interaction.request.client_id);
    return this.decide(req, res, client, loaded.interaction.request, loaded);
  }

  /** After a successful sign-in in this interaction: consent next, or the code. */
  async loggedIn(
    req: Request,
    res: Response,
    loaded: LoadedInteraction,
    user: AuthenticatedUser,
  ): Promise<string> {
    const { request } = loaded.interaction;
    const client = await this.activeClient(request.client_id);
    const next: Interaction = { ...loaded.interaction, user, logged_in_here: true };
    const remembered = await this.consents.scopesOf(user.sub, client.client_id);
    if (consentNeeded(request, client, remembered)) {
      await this.interactions.update(loaded, next);
      return this.consentUrl(next);
    }
    await this.interactions.claim(loaded);
    return this.issue(next, user);
  }

  /** The consent form was answered. */
  async consented(
    req: Request,
    loaded: LoadedInteraction,
    decision: 'allow' | 'deny',
  ): Promise<string> {
    const user = await this.checkConsentingUser(req, loaded.interaction);
    const interaction = await this.interactions.claim(loaded);
    const { request } = interaction;
    if (decision === 'deny') {
      const denied = new AccessDenied('the user denied the request');
      throw new ErrorRedirect(errorRedirect(request, denied, this.issuer), denied);
    }
    await this.activeClient(request.client_id);
    await this.consents.grant(user.sub, request.client_id, request.scopes, this.clock.now());
    return this.issue(interaction, user);
  }

  /**
   * The user an interaction's consent step is for: it must still be the browser's session (not
   * signed out or replaced in another tab) and an active account.
   */
  async checkConsentingUser(req: Request, interaction: Interaction): Promise<AuthenticatedUser> {
    const user = interaction.user;
    const current = await this.sessions.current(req);
    if (!user || !current || current.session.sid !== user.sid) {
      throw new InvalidRequest('your session has ended; start again from the application');
    }
    if (!(await this.users.findActiveById(user.sub))) {
      throw new InvalidRequest('your account cannot be used; start again from the application');
    }
    return user;
  }

  loginUrl(interaction: Interaction): string {
    return `${this.issuer}/login?${interactionQuery(interaction.id)}`;
  }

  consentUrl(interaction: Interaction): string {
    return `${this.issuer}/consent?${interactionQuery(interaction.id)}`;
  }

  /** The client of an interaction, which may have been disabled or deleted meanwhile. */
  async activeClient(clientId: string): Promise<ClientRecord> {
    const client = await this.clients.get(clientId);
    checkClientActive(client);
    return client;
  }

  private async decide(
    req: Request,
    res: Response,
    client: ClientRecord,
    request: AuthorizationRequest,
    parked: LoadedInteraction | undefined,
  ): Promise<string> {
    try {
      const current = await this.activeSession(req);
      const sessionUser = current && userOf(current);
      const reason = loginNeeded(request, sessionUser, this.clock.nowSeconds());
      checkPromptNoneAllowsLogin(request, reason);
      if (reason !== undefined || !sessionUser) {
        const interaction =
          parked?.interaction ?? (await this.startInteraction(req, res, client, request));
        return this.loginUrl(interaction);
      }
      const remembered = await this.consents.scopesOf(sessionUser.sub, client.client_id);
      const needed = consentNeeded(request, client, remembered);
      checkPromptNoneAllowsConsent(request, needed);
      if (needed) {
        const interaction = parked
          ? await this.interactions.update(parked, { ...parked.interaction, user: sessionUser })
          : await this.startInteraction(req, res, client, request, sessionUser);
        return this.consentUrl(interaction);
      }
      if (parked) await this.interactions.claim(parked);
      return await this.codes.issue(request, sessionUser);
    } catch (err) {
      throw this.reader.toClient(request, err);
    }
  }

  /** The browser's session if it is active and its user still may sign in; else it ends. */
  private async activeSession(req: Request): Promise<CurrentSession | undefined> {
    const current = await this.sessions.current(req);
    if (!current) return undefined;
    if (await this.users.findActiveById(current.session.sub)) return current;
    await this.sessions.end(current);
    return undefined;
  }

  private startInteraction(
    req: Request,
    res: Response,
    client: ClientRecord,
    request: AuthorizationRequest,
    user?: AuthenticatedUser,
  ): Promise<Interaction> {
    return this.interactions.start(req, res, request, clientNameOf(client), { user });
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
}

export function clientNameOf(client: ClientRecord): string {
  return client.client_name || client.client_id;
}
