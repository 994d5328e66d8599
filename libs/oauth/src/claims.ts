/**
 * Claims about the end-user (docs/architecture.md §7): which claims the scopes release (OIDC
 * Core §5.4 and the operator's claim scopes), the `claims` request parameter (§5.5), and where a
 * released claim goes (userinfo, the ID Token). Pure rules; the gateway holds the values.
 */
import { InvalidRequest } from './errors/oauth-error';

/** Asks for the user's groups: the `groups` claim, in userinfo and in the access token. */
export const GROUPS_SCOPE = 'groups';
export const GROUPS_CLAIM = 'groups';
/** The user's roles for the token's audience, in access tokens. */
export const ROLES_CLAIM = 'roles';

/** OIDC Core §5.4: the standard claims each standard scope releases. */
export const STANDARD_SCOPE_CLAIMS: Readonly<Record<string, readonly string[]>> = {
  profile: [
    'name',
    'family_name',
    'given_name',
    'middle_name',
    'nickname',
    'preferred_username',
    'profile',
    'picture',
    'website',
    'gender',
    'birthdate',
    'zoneinfo',
    'locale',
    'updated_at',
  ],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
};

/** Scopes that release claims without being the operator's: the standard ones and `groups`. */
export const BUILT_IN_CLAIM_SCOPES: ReadonlySet<string> = new Set([
  ...Object.keys(STANDARD_SCOPE_CLAIMS),
  GROUPS_SCOPE,
]);

/**
 * Claims a claim scope may not define: what the tokens' protocol owns (RFC 7519, RFC 9068, OIDC
 * Core §2 and §5.1) and the standard claims, whose values come from the user record. A mapping
 * could otherwise forge `sub` or `email_verified`.
 */
export const RESERVED_CLAIMS: ReadonlySet<string> = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'auth_time',
  'nonce',
  'acr',
  'amr',
  'azp',
  'at_hash',
  'c_hash',
  'sid',
  'client_id',
  'scope',
  'cnf',
  'act',
  'may_act',
  'gid',
  'events',
  '_claim_names',
  '_claim_sources',
  ROLES_CLAIM,
  GROUPS_CLAIM,
  ...Object.values(STANDARD_SCOPE_CLAIMS).flat(),
]);

/** One member of a `claims` request (OIDC Core §5.5.1): null, or these optional fields. */
export interface ClaimRequest {
  essential?: boolean;
  value?: ClaimRequestValue;
  values?: ClaimRequestValue[];
}
export type ClaimRequestValue = string | number | boolean;

/** The `claims` request parameter (OIDC Core §5.5). Other members are ignored (§5.5). */
export interface ClaimsRequest {
  userinfo?: Record<string, ClaimRequest | null>;
  id_token?: Record<string, ClaimRequest | null>;
}

export type ClaimsTarget = keyof ClaimsRequest;

const MAX_CLAIMS_REQUEST_LENGTH = 4096;
const MAX_REQUESTED_CLAIMS = 64;
const MAX_REQUESTED_VALUES = 20;
const CLAIM_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * Reads the `claims` parameter (a JSON object, §5.5). Anything malformed is invalid_request;
 * members other than `userinfo` and `id_token`, and fields of a claim other than `essential`,
 * `value` and `values`, are dropped, as the specification asks.
 */
export function parseClaimsRequest(raw: string): ClaimsRequest {
  if (raw.length > MAX_CLAIMS_REQUEST_LENGTH) {
    throw new InvalidRequest(`claims must be at most ${MAX_CLAIMS_REQUEST_LENGTH} characters`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidRequest('claims must be a JSON object');
  }
  if (!isObject(parsed)) throw new InvalidRequest('claims must be a JSON object');
  const request: ClaimsRequest = {};
  for (const target of ['userinfo', 'id_token'] as const) {
    const member = parsed[target];
    if (member === undefined || member === null) continue;
    request[target] = readTarget(target, member);
  }
  return request;
}

/** The request as stored with a code and grant: only what parseClaimsRequest keeps. */
export function formatClaimsRequest(request: ClaimsRequest): string | undefined {
  return request.userinfo || request.id_token ? JSON.stringify(request) : undefined;
}

function readTarget(target: ClaimsTarget, member: unknown): Record<string, ClaimRequest | null> {
  if (!isObject(member)) throw new InvalidRequest(`claims.${target} must be a JSON object`);
  const names = Object.keys(member);
  if (names.length > MAX_REQUESTED_CLAIMS) {
    throw new InvalidRequest(`claims.${target} must name at most ${MAX_REQUESTED_CLAIMS} claims`);
  }
  const claims: Record<string, ClaimRequest | null> = Object.create(null) as Record<
    string,
    ClaimRequest | null
  >;
  for (const name of names) {
    if (!CLAIM_NAME.test(name)) {
      throw new InvalidRequest(`claims.${target} names a claim with characters not allowed`);
    }
    claims[name] = readClaim(target, member[name]);
  }
  return { ...claims };
}

function readClaim(target: ClaimsTarget, entry: unknown): ClaimRequest | null {
  if (entry === null) return null;
  const problem = `claims.${target} members must be null or an object with essential, value or values`;
  if (!isObject(entry)) throw new InvalidRequest(problem);
  const claim: ClaimRequest = {};
  if (entry.essential !== undefined) {
    if (typeof entry.essential !== 'boolean') throw new InvalidRequest(problem);
    claim.essential = entry.essential;
  }
  if (entry.value !== undefined) {
    if (!isRequestValue(entry.value)) throw new InvalidRequest(problem);
    claim.value = entry.value;
  }
  if (entry.values !== undefined) {
    if (
      !Array.isArray(entry.values) ||
      entry.values.length > MAX_REQUESTED_VALUES ||
      !entry.values.every(isRequestValue)
    ) {
      throw new InvalidRequest(problem);
    }
    claim.values = entry.values;
  }
  return claim;
}

/**
 * The claims that go to `target`, from `granted` (every claim the granted scopes release, with
 * its value). Consent is given per scope, so the `claims` parameter never widens what is
 * released: it picks granted claims for the ID Token, and a `value`/`values` constraint leaves a
 * claim out unless the user's value is one of them. `essential` changes nothing: a claim the
 * user has no value for cannot be made up. Userinfo always gets every granted claim (§5.4); the
 * ID Token gets them all only when the client asked for that (`allGranted`).
 */
export function selectClaims(
  granted: Readonly<Record<string, unknown>>,
  target: ClaimsTarget,
  options: { allGranted: boolean; request?: ClaimsRequest },
): Record<string, unknown> {
  const requested = options.request?.[target] ?? {};
  const selected: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(granted)) {
    if (value === undefined || value === null) continue;
    const wanted = options.allGranted || Object.hasOwn(requested, name);
    if (!wanted || !matchesConstraint(value, requested[name])) continue;
    selected[name] = value;
  }
  return selected;
}

function matchesConstraint(value: unknown, request: ClaimRequest | null | undefined): boolean {
  if (!request) return true;
  if (request.value !== undefined && request.value !== value) return false;
  if (request.values !== undefined && !request.values.some((v) => v === value)) return false;
  return true;
}

function isRequestValue(value: unknown): value is ClaimRequestValue {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
