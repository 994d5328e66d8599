import { Inject, Injectable } from '@nestjs/common';
import { AuditClient } from '@latchkey/audit-client';
import { ResourcesCache } from '@latchkey/registry-client';
import type { ClientRecord } from '@latchkey/contracts';
import { InvalidRequest } from '@latchkey/oauth';
import { consentNeeded, type AuthenticatedUser } from '../authorize/authorization-decision';
import type { AuthorizationRequest } from '../authorize/authorization-request';
import { Clock } from '@latchkey/core';
import type { Interaction } from '../interaction/interaction';
import { ISSUER } from '@latchkey/oauth-http';
import { consentPage } from '../pages/consent.page';
import type { Page } from '../pages/page';
import { formActionSourceFor } from '../pages/page-headers';
import { UsersService } from '../users/users.service';
import { ConsentsRepository } from './consents.repository';
import { describeScopes } from './scope-descriptions';

export type ConsentDecision = 'allow' | 'deny';

/**
 * The consent step: whether the user has to be asked (remembered consent), the page that asks,
 * and what an answer records. Which step comes before or after is InteractionFlow's to decide.
 */
@Injectable()
export class ConsentService {
  constructor(
    private readonly consents: ConsentsRepository,
    private readonly users: UsersService,
    private readonly resources: ResourcesCache,
    private readonly audit: AuditClient,
    private readonly clock: Clock,
    @Inject(ISSUER) private readonly issuer: string,
  ) {}

  /** Whether the user must be asked, given what they allowed this client before. */
  async isNeeded(
    request: AuthorizationRequest,
    client: ClientRecord,
    user: AuthenticatedUser,
  ): Promise<boolean> {
    return consentNeeded(request, client, await this.consents.scopesOf(user.sub, client.client_id));
  }

  /** The page that asks the user (already checked to be the browser's) about the request. */
  async form(interaction: Interaction, user: AuthenticatedUser): Promise<Page> {
    const account = await this.users.findById(user.sub);
    if (!account) throw new InvalidRequest('your account cannot be used');
    const formAction = formActionSourceFor(interaction.request.redirect_uri);
    return consentPage({
      action: `${this.issuer}/consent`,
      interactionId: interaction.id,
      csrf: interaction.csrf,
      clientName: interaction.client_name,
      username: account.username,
      groups: describeScopes(interaction.request.scopes, await this.resources.all()),
      formActionSources: formAction ? [formAction] : [],
    });
  }

  /**
   * A refusal's audit event (docs/audit-events.md), recorded once the interaction is claimed:
   * a second submit of the same form is refused before it gets here.
   */
  async recordDenied(interaction: Interaction, user: AuthenticatedUser): Promise<void> {
    await this.audit.record('consent.denied', {
      subject: user.sub,
      data: decisionData(interaction.request, user),
    });
  }

  /**
   * Remembers what the user allowed, so the next request for these scopes is not asked again;
   * `consent.granted` commits with it, so the log never shows a consent that did not take effect.
   */
  async remember(user: AuthenticatedUser, request: AuthorizationRequest): Promise<void> {
    await this.consents.grant(user.sub, request.client_id, request.scopes, this.clock.now(), (em) =>
      this.audit.recordInTransaction(em, 'consent.granted', {
        subject: user.sub,
        data: decisionData(request, user),
      }),
    );
  }
}

function decisionData(request: AuthorizationRequest, user: AuthenticatedUser) {
  return { client_id: request.client_id, sub: user.sub, scope: request.scopes.join(' ') };
}

/** docs/architecture.md §4: the form's buttons send decision=allow or decision=deny, nothing else. */
export function checkDecision(decision: string | undefined): ConsentDecision {
  if (decision === 'allow' || decision === 'deny') return decision;
  throw new InvalidRequest('decision must be allow or deny');
}
