import { Inject, Injectable } from '@nestjs/common';
import { InvalidRequest, randomToken, sha256Base64Url } from '@latchkey/oauth';
import type { AuthenticatedUser } from '../authorize/authorization-decision';
import type { AuthorizationRequest } from '../authorize/authorization-request';
import { Clock } from '@latchkey/core';
import type { CookiePort } from '../http/cookie-port';
import { ISSUER } from '@latchkey/oauth-http';
import { checkCsrfToken, checkSameOrigin } from './csrf';
import type { Interaction } from './interaction';
import { InteractionsRepository } from './interactions.repository';

/** An interaction as read, with the stored JSON (the compare-and-set precondition). */
export interface LoadedInteraction {
  interaction: Interaction;
  raw: string;
}

/** Where a form post came from: its Origin and Referer headers. */
export interface FormSource {
  origin?: string;
  referer?: string;
}

/**
 * Interactions bound to this browser: created at /authorize, continued by the login and consent
 * steps only from the browser that started them (signed cookie) and only through our own forms
 * (CSRF token, same origin). The store of InteractionFlow, which decides the steps.
 */
@Injectable()
export class InteractionService {
  constructor(
    private readonly interactions: InteractionsRepository,
    private readonly clock: Clock,
    @Inject(ISSUER) private readonly issuer: string,
  ) {}

  /** Stores a new interaction, bound to this browser unless `bind` is false (a form POST). */
  async start(
    cookies: CookiePort,
    request: AuthorizationRequest,
    clientName: string,
    options: { user?: AuthenticatedUser; bind?: boolean } = {},
  ): Promise<Interaction> {
    const interaction: Interaction = {
      id: randomToken(),
      browser: options.bind === false ? null : this.browserBinding(cookies),
      csrf: randomToken(),
      created_at: this.clock.now().getTime(),
      request,
      client_name: clientName,
      ...(options.user ? { user: options.user } : {}),
    };
    await this.interactions.create(interaction);
    return interaction;
  }

  /**
   * The interaction `id` of this browser. Unknown, expired, or another browser's all read as
   * expired (400 page): nothing tells a guesser which.
   */
  async load(cookies: CookiePort, id: string | undefined): Promise<LoadedInteraction> {
    const found = id === undefined ? null : await this.interactions.find(id);
    if (!found) throw expired();
    if (found.interaction.browser === null) return this.bind(cookies, found);
    this.checkBrowser(cookies, found.interaction);
    return found;
  }

  /** A form post of the interaction: the browser, the CSRF token and the origin must all fit. */
  checkForm(source: FormSource, interaction: Interaction, csrf: string | undefined): void {
    checkSameOrigin(source, this.issuer);
    checkCsrfToken(csrf, interaction.csrf);
  }

  /** Saves the next state of a loaded interaction; a concurrent change wins and this fails. */
  async update(loaded: LoadedInteraction, next: Interaction): Promise<Interaction> {
    if (!(await this.interactions.replace(loaded.raw, next))) {
      throw new InvalidRequest('this sign-in request changed in another window; start again');
    }
    return next;
  }

  /** Finishes the interaction: of concurrent submissions exactly one continues. */
  async claim(loaded: LoadedInteraction): Promise<Interaction> {
    const claimed = await this.interactions.claim(loaded.interaction.id);
    if (!claimed || claimed.csrf !== loaded.interaction.csrf) throw expired();
    return claimed;
  }

  /** Puts a claimed interaction back when finishing it failed for a passing reason (503). */
  restore(interaction: Interaction): Promise<void> {
    return this.interactions.restore(interaction, this.clock.now().getTime());
  }

  /** sha256 of this browser's id cookie, setting a new cookie when there is none. */
  private browserBinding(cookies: CookiePort): string {
    let browserId = cookies.get('browser');
    if (browserId === undefined) {
      browserId = randomToken();
      cookies.set('browser', browserId);
    }
    return sha256Base64Url(browserId);
  }

  private checkBrowser(cookies: CookiePort, interaction: Interaction): void {
    const browserId = cookies.get('browser');
    if (browserId === undefined || sha256Base64Url(browserId) !== interaction.browser) {
      throw expired();
    }
  }

  /** First top-level visit after a cross-site POST /authorize: the interaction becomes ours. */
  private async bind(cookies: CookiePort, found: LoadedInteraction) {
    const next: Interaction = { ...found.interaction, browser: this.browserBinding(cookies) };
    const raw = JSON.stringify(next);
    if (!(await this.interactions.replace(found.raw, next))) throw expired();
    return { interaction: next, raw };
  }
}

function expired(): InvalidRequest {
  return new InvalidRequest(
    'this sign-in request has expired or belongs to another browser window',
  );
}
