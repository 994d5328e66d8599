/**
 * The checks of the authorization endpoint (RFC 6749 §4.1.1, OIDC Core §3.1.2.1), one named
 * function each. Those marked "page" run before client_id and redirect_uri are proven and their
 * errors are shown to the user; the others' errors are redirected to the client.
 */
import type { ClientRecord, ResourceView } from '@latchkey/contracts';
import {
  checkNoAdminScopeInUserFlow,
  checkPkceAuthorizationParams,
  checkScopesAllowed,
  InvalidRequest,
  InvalidScope,
  MAX_CLIENT_ID_LENGTH,
  OFFLINE_ACCESS_SCOPE,
  OPENID_SCOPE,
  parseScope,
  requiresPkce,
  resolveRedirectUri,
  tokenAudience,
  UnauthorizedClient,
  UnsupportedResponseType,
  type RawParams,
} from '@latchkey/oauth';
import { PROMPT_VALUES, type Prompt } from './authorization-request';
import { RequestNotSupported, RequestUriNotSupported } from './authorize-errors';

export const MAX_STATE_LENGTH = 4096;
export const MAX_NONCE_LENGTH = 2048;
export const MAX_LOGIN_HINT_LENGTH = 256;
const MAX_AGE = /^[0-9]{1,10}$/;

/** page: the client exists and may be used (RFC 6749 §4.1.2.1: never redirect for a bad client). */
export function checkClientId(clientId: string | undefined): string {
  if (clientId === undefined) throw new InvalidRequest('client_id is required');
  if (clientId.length > MAX_CLIENT_ID_LENGTH) throw new InvalidRequest('client_id is not valid');
  return clientId;
}

/** page: the client is known and enabled. Unknown and disabled read alike. */
export function checkClientActive(client: ClientRecord | null): asserts client is ClientRecord {
  if (!client || client.disabled) {
    throw new InvalidRequest('client_id does not identify an active client');
  }
}

/**
 * page: the redirect URI (RFC 6749 §3.1.2.3, RFC 8252 §7.3): the requested one if registered,
 * else the only registered one; OIDC requests must name it (OIDC Core §3.1.2.1).
 */
export function checkRedirectUri(
  requested: string | undefined,
  client: ClientRecord,
  rawScope: unknown,
): { redirectUri: string; explicit: boolean } {
  if (requested === undefined && mentionsOpenId(rawScope)) {
    throw new InvalidRequest('redirect_uri is required for OpenID Connect requests');
  }
  return {
    redirectUri: resolveRedirectUri(requested, client.redirect_uris),
    explicit: requested !== undefined,
  };
}

/** Whether a scope parameter, even one that will fail validation later, asks for `openid`. */
function mentionsOpenId(rawScope: unknown): boolean {
  const values = Array.isArray(rawScope) ? rawScope : [rawScope];
  return values.some((v) => typeof v === 'string' && v.split(' ').includes(OPENID_SCOPE));
}

/** OIDC Core §6: request objects are not supported; say so with their own error codes. */
export function checkNoRequestObject(params: { request?: string; request_uri?: string }): void {
  if (params.request !== undefined) throw new RequestNotSupported();
  if (params.request_uri !== undefined) throw new RequestUriNotSupported();
}

/** RFC 6749 §4.1.1: `code` only; the implicit and hybrid flows are not offered. */
export function checkResponseType(responseType: string | undefined): 'code' {
  if (responseType === undefined) throw new InvalidRequest('response_type is required');
  if (responseType !== 'code') {
    throw new UnsupportedResponseType('only response_type=code is supported');
  }
  return 'code';
}

/** OAuth 2.0 Multiple Response Types §2.1: the response comes in the query, nothing else. */
export function checkResponseMode(responseMode: string | undefined): void {
  if (responseMode !== undefined && responseMode !== 'query') {
    throw new InvalidRequest('only response_mode=query is supported');
  }
}

/** RFC 6749 §4.1.2.1 unauthorized_client: the client is not registered for this grant. */
export function checkAuthorizationCodeGrant(client: ClientRecord): void {
  if (!client.grant_types.includes('authorization_code')) {
    throw new UnauthorizedClient('the client is not registered for the authorization code flow');
  }
}

/**
 * RFC 6749 §3.3: a scope is required (there is no default), made of valid tokens, never `admin`,
 * and only what the client is registered for.
 */
export function checkScope(scope: string | undefined, client: ClientRecord): string[] {
  if (scope === undefined) throw new InvalidScope('scope is required');
  const requested = parseScope(scope);
  if (requested.size === 0) throw new InvalidScope('scope is required');
  checkNoAdminScopeInUserFlow(requested);
  checkScopesAllowed(requested, client.scope ? parseScope(client.scope) : []);
  return [...requested];
}

/**
 * RFC 8707 and docs/architecture.md §3 (Audiences): the `resource` must be registered and one
 * the client may use (else invalid_target, redirected to the client, not found out only at the
 * code exchange), and the scopes are confined to the token's audiences: a scope of another API,
 * or of none, is not granted. The consent page then asks for what will be granted; nothing
 * grantable at all is invalid_scope.
 */
export function checkAudience(
  request: { requested: string[]; resource?: string; client: ClientRecord; issuer: string },
  resources: readonly ResourceView[],
  issuerScopes: ReadonlySet<string> = new Set(),
): string[] {
  const { client } = request;
  const { scopes } = tokenAudience({
    requested: request.requested,
    resource: request.resource,
    clientScopes: client.scope ? parseScope(client.scope) : new Set(),
    defaultResource: client.default_resource,
    resources,
    issuer: request.issuer,
    issuerScopes,
  });
  if (scopes.length === 0) {
    throw new InvalidScope('none of the requested scopes can be granted for this audience');
  }
  return scopes;
}

/**
 * OIDC Core §11: offline_access only makes sense when a refresh token can follow; for a client
 * not registered for refresh_token it is ignored rather than consented to for nothing.
 */
export function dropUnusableOfflineAccess(scopes: string[], client: ClientRecord): string[] {
  return client.grant_types.includes('refresh_token')
    ? scopes
    : scopes.filter((scope) => scope !== OFFLINE_ACCESS_SCOPE);
}

/** RFC 7636 §4.4.1 (S256 only) and docs/architecture.md §3: PKCE is required for public clients. */
export function checkPkce(
  params: { code_challenge?: string; code_challenge_method?: string },
  client: ClientRecord,
): { code_challenge?: string; code_challenge_method?: 'S256' } {
  const pkce = checkPkceAuthorizationParams({
    codeChallenge: params.code_challenge,
    codeChallengeMethod: params.code_challenge_method,
    required: requiresPkce(client),
  });
  return pkce ? { code_challenge: pkce.challenge, code_challenge_method: pkce.method } : {};
}

/** OIDC Core §3.1.2.1: known values only, and `none` alone. */
export function checkPrompt(prompt: string | undefined): Prompt[] {
  if (prompt === undefined) return [];
  const values = [...new Set(prompt.split(' ').filter((v) => v !== ''))];
  for (const value of values) {
    if (!(PROMPT_VALUES as readonly string[]).includes(value)) {
      throw new InvalidRequest('prompt contains an unsupported value');
    }
  }
  if (values.includes('none') && values.length > 1) {
    throw new InvalidRequest('prompt=none cannot be combined with other values');
  }
  return values as Prompt[];
}

/** OIDC Core §3.1.2.1: a non-negative number of seconds. */
export function checkMaxAge(maxAge: string | undefined): number | undefined {
  if (maxAge === undefined) return undefined;
  if (!MAX_AGE.test(maxAge) || !Number.isSafeInteger(Number(maxAge))) {
    throw new InvalidRequest('max_age must be a non-negative integer');
  }
  return Number(maxAge);
}

/** Bounded, because it is stored with the interaction and echoed to the client. */
export function checkState(state: string | undefined): string | undefined {
  if (state !== undefined && state.length > MAX_STATE_LENGTH) {
    throw new InvalidRequest(`state must be at most ${MAX_STATE_LENGTH} characters`);
  }
  return state;
}

export function checkNonce(nonce: string | undefined): string | undefined {
  if (nonce !== undefined && nonce.length > MAX_NONCE_LENGTH) {
    throw new InvalidRequest(`nonce must be at most ${MAX_NONCE_LENGTH} characters`);
  }
  return nonce;
}

/** A hint to prefill the username field; too long to be a username is a client bug. */
export function checkLoginHint(loginHint: string | undefined): string | undefined {
  if (loginHint !== undefined && loginHint.length > MAX_LOGIN_HINT_LENGTH) {
    throw new InvalidRequest(`login_hint must be at most ${MAX_LOGIN_HINT_LENGTH} characters`);
  }
  return loginHint;
}

/** The state to echo in an error redirect: only a single, acceptable value is ever echoed. */
export function echoableState(params: RawParams): string | undefined {
  const state = params.state;
  return typeof state === 'string' && state !== '' && state.length <= MAX_STATE_LENGTH
    ? state
    : undefined;
}
