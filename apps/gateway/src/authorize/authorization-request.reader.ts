import { IDP_HINT_PARAMS, readIdpHint } from '../federation/provider-choice';
import { ClaimScopesCache, ClientsCache, ResourcesCache } from '@latchkey/registry-client';
import { Inject, Injectable } from '@nestjs/common';
import type { ClientRecord } from '@latchkey/contracts';
import {
  formatClaimsRequest,
  issuerReleasedScopes,
  parseClaimsRequest,
  readResourceIndicator,
  readSingleParams,
  type RawParams,
} from '@latchkey/oauth';
import { ISSUER } from '@latchkey/oauth-http';
import type { AuthorizationRequest, RedirectTarget } from './authorization-request';
import { toClient } from './authorization-response';
import {
  checkAudience,
  checkAuthorizationCodeGrant,
  checkClientActive,
  checkClientId,
  checkLoginHint,
  checkMaxAge,
  checkNoRequestObject,
  checkNonce,
  checkPkce,
  checkPrompt,
  checkRedirectUri,
  checkResponseMode,
  checkResponseType,
  checkScope,
  checkState,
  dropUnusableOfflineAccess,
  echoableState,
} from './authorize-rules';
import { IdTokenHintVerifier } from './id-token-hint.verifier';

/**
 * Parameters read after the redirect URI is proven. ui_locales, claims_locales, display and
 * acr_values are accepted and ignored (OIDC Core §3.1.2.1 lets an OP do so); any other
 * unknown parameter is ignored too (RFC 6749 §3.1).
 */
const REQUEST_PARAMS = [
  'response_type',
  'response_mode',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'prompt',
  'max_age',
  'login_hint',
  'id_token_hint',
  'request',
  'request_uri',
  'claims',
  ...IDP_HINT_PARAMS,
] as const;

/** OIDC Core §5.5: a malformed `claims` is invalid_request, redirected like any later error. */
function readClaimsParameter(claims: string | undefined): string | undefined {
  return claims === undefined ? undefined : formatClaimsRequest(parseClaimsRequest(claims));
}

export interface ReadAuthorizationRequest {
  client: ClientRecord;
  request: AuthorizationRequest;
}

/**
 * The authorization endpoint's checks in order (RFC 6749 §4.1.2.1): client_id and redirect_uri
 * first, whose errors are shown on the error page; then everything else, whose errors go back
 * to the proven redirect URI with state and iss (ErrorRedirect).
 */
@Injectable()
export class AuthorizationRequestReader {
  constructor(
    private readonly clients: ClientsCache,
    private readonly idTokenHints: IdTokenHintVerifier,
    private readonly resources: ResourcesCache,
    private readonly claimScopes: ClaimScopesCache,
    @Inject(ISSUER) private readonly issuer: string,
  ) {}

  async read(raw: RawParams): Promise<ReadAuthorizationRequest> {
    const { client_id, redirect_uri } = readSingleParams(raw, ['client_id', 'redirect_uri']);
    const client = await this.clients.get(checkClientId(client_id));
    checkClientActive(client);
    const { redirectUri, explicit } = checkRedirectUri(redirect_uri, client, raw.scope);
    const target: RedirectTarget = { redirect_uri: redirectUri, state: echoableState(raw) };
    try {
      return { client, request: await this.readRest(raw, client, target, explicit) };
    } catch (err) {
      throw toClient(target, err, this.issuer);
    }
  }

  private async readRest(
    raw: RawParams,
    client: ClientRecord,
    target: RedirectTarget,
    explicit: boolean,
  ): Promise<AuthorizationRequest> {
    const params = readSingleParams(raw, REQUEST_PARAMS);
    checkNoRequestObject(params);
    checkResponseType(params.response_type);
    checkResponseMode(params.response_mode);
    checkAuthorizationCodeGrant(client);
    const requested = dropUnusableOfflineAccess(checkScope(params.scope, client), client);
    const resource = readResourceIndicator(raw);
    const scopes = checkAudience(
      { requested, resource, client, issuer: this.issuer },
      await this.resources.all(),
      issuerReleasedScopes((await this.claimScopes.all()).keys()),
    );
    const pkce = checkPkce(params, client);
    const request: AuthorizationRequest = {
      client_id: client.client_id,
      redirect_uri: target.redirect_uri,
      redirect_uri_explicit: explicit,
      scopes,
      prompt: checkPrompt(params.prompt),
      ...pkce,
    };
    const optional: Partial<AuthorizationRequest> = {
      state: checkState(params.state),
      nonce: checkNonce(params.nonce),
      max_age: checkMaxAge(params.max_age),
      login_hint: checkLoginHint(params.login_hint),
      idp_hint: readIdpHint(params),
      resource,
      claims: readClaimsParameter(params.claims),
      id_token_hint_sub:
        params.id_token_hint === undefined
          ? undefined
          : await this.idTokenHints.subjectOf(params.id_token_hint, client.client_id),
    };
    for (const [name, value] of Object.entries(optional)) {
      if (value !== undefined) Object.assign(request, { [name]: value });
    }
    return request;
  }
}
