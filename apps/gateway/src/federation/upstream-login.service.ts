import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditClient } from '@latchkey/audit-client';
import { REDIRECT_PROVIDER_KINDS, type IdentityProviderRecord } from '@latchkey/contracts';
import { Clock } from '@latchkey/core';
import {
  AccessDenied,
  computeS256Challenge,
  InvalidRequest,
  type OAuthError,
  randomToken,
  readSingleParams,
  type RawParams,
  TemporarilyUnavailable,
} from '@latchkey/oauth';
import { ISSUER } from '@latchkey/oauth-http';
import type { AuthenticatedUser } from '../authorize/authorization-decision';
import type { BrowserRequest } from '../http/browser-request';
import { INTERACTION_TTL_MS, type Interaction } from '../interaction/interaction';
import { SessionService, userOf } from '../session/session.service';
import {
  FederatedAccountsService,
  type FederatedOutcome,
} from '../users/federated-accounts.service';
import { IdentityProvidersCache } from './identity-providers.cache';
import { LdapDirectory } from './ldap-directory';
import { homeRealmProvider, providersForClient } from './provider-choice';
import { type Claims, mappedGroups, mappedProfile, subjectOf } from './upstream-claims';
import { UpstreamLoginError, type UpstreamFailure } from './upstream-error';
import { UpstreamMetadataService, type UpstreamMetadata } from './upstream-metadata';
import { UpstreamOAuthClient } from './upstream-oauth.client';
import { UpstreamStatesRepository } from './upstream-states.repository';

/**
 * RFC 8176 has no value for "an upstream identity provider authenticated the user"; `fed` is what
 * Microsoft Entra ID sends for the same case, used when the upstream sends no `amr` of its own.
 */
export const FEDERATED_AMR = 'fed';

/** The callback's query: the authorization response (RFC 6749 §4.1.2, RFC 9207). */
const CALLBACK_PARAMS = ['state', 'code', 'error', 'error_description', 'iss'] as const;

/**
 * The login form's password checked against the client's LDAP directories: the user signed in,
 * or no directory vouched for them (`not_found`: no directory knows the username; `rejected`:
 * the directory that has it refused the password). An unreachable directory is thrown.
 */
export type DirectorySignIn =
  { user: AuthenticatedUser } | { refused: 'not_found' | 'rejected'; identityProvider?: string };

/** The callback of an upstream sign-in: which interaction it continues, and the user in it. */
export interface UpstreamSignIn {
  interactionId: string;
  user: AuthenticatedUser;
}

/**
 * Signing in through an upstream identity provider (docs/identity-providers.md), as the client of
 * that provider: `start` sends the browser there with PKCE, `state` and `nonce`; `finish` checks
 * the answer in order (state, provider, the browser's interaction, the upstream's error, `iss`,
 * the code exchange, the ID Token, userinfo, the subject), finds or provisions the local user and
 * only then starts the SSO session. Any failure is audited with the provider's id and shown on the
 * error page; nothing of the sign-in is kept.
 */
@Injectable()
export class UpstreamLoginService {
  private readonly logger = new Logger(UpstreamLoginService.name);

  constructor(
    private readonly providers: IdentityProvidersCache,
    private readonly metadata: UpstreamMetadataService,
    private readonly upstream: UpstreamOAuthClient,
    private readonly states: UpstreamStatesRepository,
    private readonly directory: LdapDirectory,
    private readonly accounts: FederatedAccountsService,
    private readonly sessions: SessionService,
    private readonly audit: AuditClient,
    private readonly clock: Clock,
    @Inject(ISSUER) private readonly issuer: string,
  ) {}

  /** The redirecting providers this interaction's client may use (buttons and routing). */
  async offered(interaction: Interaction): Promise<IdentityProviderRecord[]> {
    const all = providersForClient(await this.providers.enabled(), interaction.request.client_id);
    return all.filter((p) => REDIRECT_PROVIDER_KINDS.includes(p.kind));
  }

  /**
   * The login form's username and password against the LDAP directories offered to the client
   * (docs/identity-providers.md): the one directory that serves the e-mail domain typed, else
   * each in registry order until one has the username; that directory alone judges the
   * password (a bind as the user's entry). The entry's stable id finds or provisions the local
   * user, as an upstream's subject does. A directory that cannot answer ends the sign-in on the
   * error page (503), audited like any upstream failure.
   */
  async signInWithDirectory(
    browser: BrowserRequest,
    interaction: Interaction,
    username: string,
    password: string,
  ): Promise<DirectorySignIn> {
    const all = providersForClient(await this.providers.enabled(), interaction.request.client_id);
    const directories = all.filter((p) => p.kind === 'ldap');
    const routed = homeRealmProvider(directories, username);
    for (const provider of routed ? [routed] : directories) {
      try {
        const verdict = await this.directory.authenticate(provider, username, password);
        if (verdict.outcome === 'not_found') continue;
        if (verdict.outcome === 'wrong_password') {
          return { refused: 'rejected', identityProvider: provider.id };
        }
        const subject = subjectOf(verdict.claims, provider.subject_claim);
        if (subject === undefined) throw new UpstreamLoginError('subject_missing');
        const user = await this.signIn(browser, interaction, provider, {
          issuer: directoryIssuer(provider),
          subject,
          claims: verdict.claims,
          groups: verdict.groups,
          amr: ['pwd'],
        });
        return { user };
      } catch (err) {
        throw await this.failed(browser, provider.id, interaction, err);
      }
    }
    return { refused: 'not_found' };
  }

  /** The upstream authorization request for this interaction: the URL to send the browser to. */
  async start(
    browser: BrowserRequest,
    interaction: Interaction,
    provider: IdentityProviderRecord,
  ): Promise<string> {
    try {
      const metadata = await this.metadata.of(provider);
      const state = randomToken();
      const nonce = randomToken();
      const codeVerifier = randomToken(32);
      const redirectUri = this.callbackUrl(provider.id);
      const remainingMs = interaction.created_at + INTERACTION_TTL_MS - this.clock.now().getTime();
      if (remainingMs <= 0) throw new InvalidRequest('the sign-in request has expired');
      await this.states.save(
        state,
        {
          provider_id: provider.id,
          interaction_id: interaction.id,
          nonce,
          code_verifier: codeVerifier,
          redirect_uri: redirectUri,
        },
        remainingMs,
      );
      return this.upstream.authorizationUrl(provider, metadata, {
        state,
        nonce,
        codeVerifier,
        codeChallenge: computeS256Challenge(codeVerifier),
        redirectUri,
        loginHint: interaction.request.login_hint,
      });
    } catch (err) {
      throw await this.failed(browser, provider.id, interaction, err);
    }
  }

  /**
   * The upstream's answer at `/login/upstream/<provider>/callback`. `loadInteraction` proves the
   * interaction belongs to this browser (the same check as every step of the flow).
   */
  async finish(
    browser: BrowserRequest,
    providerId: string,
    query: RawParams,
    loadInteraction: (id: string) => Promise<Interaction>,
  ): Promise<UpstreamSignIn> {
    let interaction: Interaction | undefined;
    try {
      const params = readSingleParams(query, CALLBACK_PARAMS);
      const pending = params.state ? await this.states.take(params.state) : null;
      if (!pending) throw new UpstreamLoginError('state_invalid');
      // The answer came to another provider's callback than the one this state was sent to.
      if (pending.provider_id !== providerId) throw new UpstreamLoginError('provider_mismatch');
      interaction = await loadInteraction(pending.interaction_id).catch((err: unknown) => {
        if (err instanceof TemporarilyUnavailable) throw err;
        throw new UpstreamLoginError('interaction_invalid', (err as Error).message);
      });
      const provider = (await this.offered(interaction)).find((p) => p.id === providerId);
      if (!provider) throw new UpstreamLoginError('provider_mismatch', 'no longer offered');
      if (params.error !== undefined) {
        throw new UpstreamLoginError('upstream_error', params.error.slice(0, 64));
      }
      const metadata = await this.metadata.of(provider);
      checkIssuerParameter(provider, metadata, params.iss);
      if (!params.code) throw new UpstreamLoginError('upstream_error', 'no code');
      const tokens = await this.upstream.exchangeCode(provider, metadata, params.code, {
        codeVerifier: pending.code_verifier,
        redirectUri: pending.redirect_uri,
      });
      const claims = await this.claimsOf(provider, metadata, tokens, pending.nonce);
      const subject = subjectOf(claims, provider.subject_claim);
      if (subject === undefined) throw new UpstreamLoginError('subject_missing');
      const user = await this.signIn(browser, interaction, provider, {
        issuer: metadata.issuer,
        subject,
        claims,
        groups: mappedGroups(claims, provider.claim_mapping),
        amr: upstreamAmr(claims),
      });
      return { interactionId: interaction.id, user };
    } catch (err) {
      throw await this.failed(browser, providerId, interaction, err);
    }
  }

  /**
   * The upstream's claims: the validated ID Token's (OIDC), then userinfo's when asked for; a
   * userinfo answer about another subject is refused (OIDC Core §5.3.2).
   */
  private async claimsOf(
    provider: IdentityProviderRecord,
    metadata: UpstreamMetadata,
    tokens: { accessToken: string; idToken?: string },
    nonce: string,
  ): Promise<Claims> {
    let idClaims: Claims | undefined;
    if (provider.kind === 'oidc') {
      if (!tokens.idToken) throw new UpstreamLoginError('id_token_missing');
      idClaims = await this.upstream.validateIdToken(provider, metadata, tokens.idToken, nonce);
    }
    if (!provider.use_userinfo) return idClaims!;
    const userinfo = await this.upstream.userinfo(metadata, tokens.accessToken);
    if (!idClaims) return userinfo;
    if (userinfo.sub !== idClaims.sub) {
      throw new UpstreamLoginError('userinfo_failed', 'userinfo is about another subject');
    }
    // The ID Token's own claims (iss, sub, aud, nonce...) are never replaced by userinfo's.
    return { ...userinfo, ...idClaims };
  }

  /** The local user of the upstream identity, then a new SSO session recording how. */
  private async signIn(
    browser: BrowserRequest,
    interaction: Interaction,
    provider: IdentityProviderRecord,
    identity: VerifiedIdentity,
  ): Promise<AuthenticatedUser> {
    const { claims } = identity;
    const result = await this.accounts.signIn(
      {
        providerId: provider.id,
        issuer: identity.issuer,
        subject: identity.subject,
        profile: mappedProfile(claims, provider.claim_mapping),
        groups: identity.groups,
        linkByVerifiedEmail: provider.link_by_verified_email,
      },
      this.clock.now(),
    );
    if ('refused' in result) {
      throw new UpstreamLoginError(
        result.refused === 'disabled' ? 'account_disabled' : 'ambiguous_email',
      );
    }
    const { user, outcome } = result;
    const current = await this.sessions.start(browser.cookies, {
      sub: user.id,
      amr: identity.amr,
      acr: typeof claims.acr === 'string' && claims.acr !== '' ? claims.acr : undefined,
      idp: provider.id,
    });
    const actors = {
      identity_provider: provider.id,
      client_id: interaction.request.client_id,
      sub: user.id,
      ip: browser.ip,
      user_agent: browser.userAgent,
    };
    await this.recordOutcome(outcome, actors);
    const success = { ...actors, session: current.session.sid, outcome };
    this.logger.log({ event: 'upstream_login.succeeded', ...success, msg: 'upstream login' });
    await this.audit.record('upstream_login.succeeded', { subject: user.id, data: success });
    return userOf(current);
  }

  private async recordOutcome(
    outcome: FederatedOutcome,
    actors: { identity_provider: string; sub: string; client_id: string },
  ): Promise<void> {
    if (outcome === 'provisioned') {
      await this.audit.record('user.provisioned', { subject: actors.sub, data: actors });
    } else if (outcome === 'linked') {
      await this.audit.record('user.linked', { subject: actors.sub, data: actors });
    }
  }

  /**
   * Audits and logs a failed upstream sign-in, and answers what the user sees: an unreachable
   * upstream is a 503 to retry; anything else one generic refusal (the detail is in the audit
   * event and the log, never on the page).
   */
  private async failed(
    browser: BrowserRequest,
    providerId: string,
    interaction: Interaction | undefined,
    err: unknown,
  ): Promise<unknown> {
    const reason = failureOf(err);
    if (reason === undefined) return err;
    const data = {
      identity_provider: providerId,
      client_id: interaction?.request.client_id,
      reason,
      ip: browser.ip,
      user_agent: browser.userAgent,
    };
    this.logger.warn({
      event: 'upstream_login.failed',
      ...data,
      detail: (err as Error).message,
      msg: 'upstream login failed',
    });
    await this.audit.record('upstream_login.failed', { subject: providerId, data });
    return pageErrorOf(reason);
  }

  private callbackUrl(providerId: string): string {
    return `${this.issuer}/login/upstream/${providerId}/callback`;
  }
}

/** An identity an upstream (or a directory) vouched for, with what it said of the user. */
interface VerifiedIdentity {
  /** The link's namespace: the upstream's `iss`, or a directory's (directoryIssuer). */
  issuer: string;
  subject: string;
  claims: Claims;
  groups: string[];
  amr: string[];
}

/**
 * The namespace of a directory's entry ids in the links: the provider, not its URL, so moving
 * the directory to another host (or a replica) keeps every user's link.
 */
function directoryIssuer(provider: IdentityProviderRecord): string {
  return `ldap:${provider.id}`;
}

/** RFC 9207: when the upstream names itself in the response, it must be the expected issuer. */
function checkIssuerParameter(
  provider: IdentityProviderRecord,
  metadata: UpstreamMetadata,
  iss: string | undefined,
): void {
  if (iss !== undefined && provider.kind === 'oidc' && iss !== metadata.issuer) {
    throw new UpstreamLoginError('issuer_mismatch', 'the iss response parameter');
  }
}

/** The upstream's own `amr` when it sent one, else `fed`. */
function upstreamAmr(claims: Claims): string[] {
  const amr = claims.amr;
  if (
    Array.isArray(amr) &&
    amr.length > 0 &&
    amr.length <= 10 &&
    amr.every((v) => typeof v === 'string' && v !== '' && v.length <= 64)
  ) {
    return amr as string[];
  }
  return [FEDERATED_AMR];
}

function failureOf(err: unknown): UpstreamFailure | undefined {
  if (err instanceof UpstreamLoginError) return err.code;
  return undefined;
}

function pageErrorOf(reason: UpstreamFailure): OAuthError {
  switch (reason) {
    case 'unreachable':
    case 'discovery_failed':
    case 'directory_bind_failed':
      return new TemporarilyUnavailable('the identity provider could not be reached');
    case 'account_disabled':
      return new AccessDenied('your account cannot be used');
    case 'upstream_error':
      return new AccessDenied('the identity provider did not sign you in');
    default:
      return new AccessDenied('the sign-in at the identity provider could not be verified');
  }
}
