import { Inject, Injectable } from '@nestjs/common';
import { AuditClient } from '@latchkey/audit-client';
import { InvalidRequest, readSingleParams, type RawParams } from '@latchkey/oauth';
import type { Request, Response } from 'express';
import { AuthorizationFlow } from '../authorize/authorization-flow.service';
import { InteractionService } from '../interaction/interaction.service';
import { ISSUER } from '../issuer.module';
import { consentPage } from '../pages/consent.page';
import type { Page } from '../pages/page';
import { formActionSourceFor } from '../pages/page-headers';
import { UsersService } from '../users/users.service';
import { describeScopes } from './scope-descriptions';

export type ConsentOutcome = { redirect: string } | { page: Page };

/** The consent step: what the client asks for, and the user's decision. */
@Injectable()
export class ConsentService {
  constructor(
    private readonly interactions: InteractionService,
    private readonly flow: AuthorizationFlow,
    private readonly users: UsersService,
    private readonly audit: AuditClient,
    @Inject(ISSUER) private readonly issuer: string,
  ) {}

  async form(
    req: Request,
    res: Response,
    interactionId: string | undefined,
  ): Promise<ConsentOutcome> {
    const { interaction } = await this.interactions.load(req, res, interactionId);
    // Not signed in yet (a bookmarked or reordered step): the login comes first.
    if (!interaction.user) return { redirect: this.flow.loginUrl(interaction) };
    const user = await this.flow.checkConsentingUser(req, interaction);
    const account = await this.users.findById(user.sub);
    if (!account) throw new InvalidRequest('your account cannot be used');
    const formAction = formActionSourceFor(interaction.request.redirect_uri);
    return {
      page: consentPage({
        action: `${this.issuer}/consent`,
        interactionId: interaction.id,
        csrf: interaction.csrf,
        clientName: interaction.client_name,
        username: account.username,
        scopes: describeScopes(interaction.request.scopes),
        formActionSources: formAction ? [formAction] : [],
      }),
    };
  }

  async decide(req: Request, res: Response, body: RawParams): Promise<string> {
    const fields = readSingleParams(body, ['interaction', 'csrf', 'decision']);
    const loaded = await this.interactions.load(req, res, fields.interaction);
    this.interactions.checkForm(req, loaded.interaction, fields.csrf);
    const decision = checkDecision(fields.decision);
    const { interaction } = loaded;
    await this.audit.record(decision === 'allow' ? 'consent.granted' : 'consent.denied', {
      subject: interaction.user?.sub,
      data: {
        client_id: interaction.request.client_id,
        sub: interaction.user?.sub,
        scope: interaction.request.scopes.join(' '),
        ip: req.ip,
        user_agent: req.headers['user-agent'],
      },
    });
    return this.flow.consented(req, loaded, decision);
  }
}

/** docs/architecture.md §4: the form's buttons send decision=allow or decision=deny, nothing else. */
export function checkDecision(decision: string | undefined): 'allow' | 'deny' {
  if (decision === 'allow' || decision === 'deny') return decision;
  throw new InvalidRequest('decision must be allow or deny');
}
