import type { IssueCodeRequest } from '@latchkey/contracts';
import {
  checkNoAdminScopeInUserFlow,
  checkPkceAuthorizationParams,
  checkResourceIndicator,
  checkScopesAllowed,
  formatScope,
  InvalidRequest,
  matchRedirectUri,
  MAX_CLIENT_ID_LENGTH,
  MAX_URI_LENGTH,
  parseScope,
  requiresPkce,
  UnauthorizedClient,
  formatClaimsRequest,
  parseClaimsRequest,
} from '@latchkey/oauth';
import { checkClientKnownAndEnabled } from '../client-auth/client-authenticator.service';
import type { TokenClient } from '../clients/client-record';
import { MAX_SID_LENGTH, MAX_SUB_LENGTH } from '../user-grants/user-grants.requests';

/**
 * Everything an authorization code is bound to (the issue request, validated), and when it
 * expires on the service clock (ms since the epoch). Stored as JSON under the hash of the code.
 */
export interface CodeBinding extends IssueCodeRequest {
  expires_at: number;
}

/** Ours are 43 characters; a much longer value is not looked up. */
const MAX_CODE_LENGTH = 256;
const MAX_CLAIMS_REQUEST_LENGTH = 4096;

/** Generous: OIDC sets no limit on nonce, and the gateway has already accepted it. */
const MAX_NONCE_LENGTH = 4096;
const MAX_AMR_VALUES = 16;
const MAX_CLAIM_VALUE_LENGTH = 256;

export function isPlausibleCode(code: string): boolean {
  return code.length > 0 && code.length <= MAX_CODE_LENGTH;
}

/**
 * The `token.code.issue` message, checked field by field. It comes from the gateway after login
 * and consent, so a failure here is a gateway bug: invalid_request with the field named.
 */
export function readIssueCodeRequest(raw: unknown): IssueCodeRequest {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidRequest('the code request must be an object');
  }
  const input = raw as Record<string, unknown>;
  const request: IssueCodeRequest = {
    client_id: requiredString(input, 'client_id', MAX_CLIENT_ID_LENGTH),
    redirect_uri: requiredString(input, 'redirect_uri', MAX_URI_LENGTH),
    scope: formatScope(parseScope(requiredString(input, 'scope', 4096, true))),
    sub: requiredString(input, 'sub', MAX_SUB_LENGTH),
    auth_time: readAuthTime(input.auth_time),
    sid: requiredString(input, 'sid', MAX_SID_LENGTH),
  };
  const explicit = Object.hasOwn(input, 'redirect_uri_explicit')
    ? input.redirect_uri_explicit
    : undefined;
  if (explicit !== undefined && typeof explicit !== 'boolean') {
    throw new InvalidRequest('redirect_uri_explicit must be a boolean');
  }
  if (explicit === false) request.redirect_uri_explicit = false;
  const pkce = checkPkceAuthorizationParams({
    codeChallenge: optionalString(input, 'code_challenge', 128),
    codeChallengeMethod: optionalString(input, 'code_challenge_method', 16),
    required: false,
  });
  if (pkce) {
    request.code_challenge = pkce.challenge;
    request.code_challenge_method = pkce.method;
  }
  const nonce = optionalString(input, 'nonce', MAX_NONCE_LENGTH);
  if (nonce !== undefined) request.nonce = nonce;
  const amr = readAmr(input.amr);
  if (amr !== undefined) request.amr = amr;
  const acr = optionalString(input, 'acr', MAX_CLAIM_VALUE_LENGTH);
  if (acr !== undefined) request.acr = acr;
  const idp = optionalString(input, 'idp', MAX_CLAIM_VALUE_LENGTH);
  if (idp !== undefined) request.idp = idp;
  const resource = optionalString(input, 'resource', MAX_URI_LENGTH);
  if (resource !== undefined) {
    checkResourceIndicator(resource);
    request.resource = resource;
  }
  const claims = optionalString(input, 'claims', MAX_CLAIMS_REQUEST_LENGTH);
  if (claims !== undefined) {
    // Kept as the gateway normalized it; read again so a stored request is always readable.
    const normalized = formatClaimsRequest(parseClaimsRequest(claims));
    if (normalized !== undefined) request.claims = normalized;
  }
  return request;
}

/**
 * The gateway has checked all of this at /authorize; the service that mints the code checks it
 * again, because a code is a promise of tokens: the client is known, enabled and registered for
 * the code flow, the redirect URI is one of its own, the scopes are its own (never `admin`, which
 * only client_credentials grants), and a public client used PKCE.
 */
export function checkCodeRequestFitsClient(
  request: IssueCodeRequest,
  client: TokenClient | null,
): asserts client is TokenClient {
  try {
    checkClientKnownAndEnabled(client);
  } catch {
    throw new InvalidRequest('client_id is not a known, enabled client');
  }
  if (!client.grant_types.includes('authorization_code')) {
    throw new UnauthorizedClient('the client is not registered for authorization_code');
  }
  if (!matchRedirectUri(request.redirect_uri, client.redirect_uris)) {
    throw new InvalidRequest('redirect_uri is not registered for this client');
  }
  const scopes = parseScope(request.scope);
  checkNoAdminScopeInUserFlow(scopes);
  checkScopesAllowed(scopes, client.scope ? parseScope(client.scope) : []);
  checkPublicClientUsesPkce(client, request.code_challenge);
}

/** docs/architecture.md §3: PKCE is required for public clients (RFC 9700 §2.1.1). */
export function checkPublicClientUsesPkce(
  client: TokenClient,
  codeChallenge: string | undefined,
): void {
  if (requiresPkce(client) && !codeChallenge) {
    throw new InvalidRequest('a public client must use PKCE (code_challenge with S256)');
  }
}

/** A stored binding read back; null when it is not one (never written by this code). */
export function parseCodeBinding(json: string): CodeBinding | null {
  try {
    const value = JSON.parse(json) as Partial<CodeBinding> | null;
    if (
      typeof value?.client_id !== 'string' ||
      typeof value.redirect_uri !== 'string' ||
      typeof value.scope !== 'string' ||
      typeof value.sub !== 'string' ||
      typeof value.sid !== 'string' ||
      typeof value.auth_time !== 'number' ||
      typeof value.expires_at !== 'number'
    ) {
      return null;
    }
    return value as CodeBinding;
  } catch {
    return null;
  }
}

function requiredString(
  input: Record<string, unknown>,
  name: string,
  maxLength: number,
  allowEmpty = false,
): string {
  const value = Object.hasOwn(input, name) ? input[name] : undefined;
  if (typeof value !== 'string' || (!allowEmpty && value === '') || value.length > maxLength) {
    throw new InvalidRequest(`${name} must be a ${allowEmpty ? '' : 'non-empty '}string`);
  }
  return value;
}

function optionalString(
  input: Record<string, unknown>,
  name: string,
  maxLength: number,
): string | undefined {
  const value = Object.hasOwn(input, name) ? input[name] : undefined;
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > maxLength) {
    throw new InvalidRequest(`${name} must be a string of at most ${maxLength} characters`);
  }
  return value;
}

function readAuthTime(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidRequest('auth_time must be a whole number of seconds since the epoch');
  }
  return value;
}

function readAmr(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (
    !Array.isArray(value) ||
    value.length > MAX_AMR_VALUES ||
    !value.every(
      (item) => typeof item === 'string' && item !== '' && item.length <= MAX_CLAIM_VALUE_LENGTH,
    )
  ) {
    throw new InvalidRequest('amr must be a list of non-empty strings');
  }
  return value.length === 0 ? undefined : [...(value as string[])];
}
