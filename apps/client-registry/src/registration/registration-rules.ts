/**
 * What a client registering itself (RFC 7591 with an initial access token) may not ask for, and
 * the limits of the tokens that let it.
 */
import {
  ADMIN_SCOPE,
  type ClientMetadata,
  formatScope,
  GRANT_TYPES,
  type GrantType,
  InvalidClientMetadata,
  InvalidRequest,
  OAuthError,
  OIDC_SCOPES,
  parseScope,
  resourceIndicatorProblem,
} from '@latchkey/oauth';
import { hasScope } from '../clients/client-rules';

export const DEFAULT_IAT_LIFETIME_SECONDS = 24 * 60 * 60;
export const MIN_IAT_LIFETIME_SECONDS = 60;
export const MAX_IAT_LIFETIME_SECONDS = 30 * 24 * 60 * 60;
export const DEFAULT_IAT_MAX_USES = 1;
export const MAX_IAT_MAX_USES = 10_000;

/**
 * Holding an initial access token proves an admin let someone register a client, not that the
 * client is first-party: no admin API access, and no skipping the user's consent.
 */
export function checkSelfRegisteredMetadata(
  metadata: Pick<ClientMetadata, 'scope' | 'skip_consent'>,
): void {
  if (hasScope(metadata, ADMIN_SCOPE)) {
    throw new InvalidClientMetadata('scope admin cannot be registered dynamically');
  }
  if (metadata.skip_consent) {
    throw new InvalidClientMetadata('skip_consent cannot be set through dynamic registration');
  }
}

/**
 * What a client registering itself with an initial access token may ask for: the admin sets it
 * when issuing the token (`scope`, `grant_types`, `default_resource` at
 * POST /admin/initial-access-tokens). Metadata beyond it is refused with invalid_client_metadata
 * (RFC 7591 §3.2.2) rather than silently trimmed, so the client learns at once what it will not
 * get instead of failing later at the token endpoint.
 */
export interface RegistrationPolicy {
  /** Scopes a registered client may hold; the OpenID Connect scopes when unset. */
  scopes: ReadonlySet<string>;
  grantTypes: readonly GrantType[];
  /** The only default_resource a registered client may name; none when unset. */
  defaultResource?: string;
}

/**
 * Without the admin's say-so a self-registered client is an ordinary relying party: the OpenID
 * Connect scopes, a user's authorization (code and refresh token), no API resource scopes, no
 * `admin`, no client_credentials and no default_resource (which would make it a resource server
 * whose tokens it may introspect).
 */
export const DEFAULT_REGISTRATION_POLICY: RegistrationPolicy = {
  scopes: new Set(OIDC_SCOPES),
  grantTypes: ['authorization_code', 'refresh_token'],
};

/** The policy columns of an initial access token as stored (null: the default). */
export interface StoredRegistrationPolicy {
  scope: string | null;
  grant_types: GrantType[] | null;
  default_resource: string | null;
}

export function registrationPolicyOf(stored: StoredRegistrationPolicy): RegistrationPolicy {
  return {
    scopes: stored.scope === null ? DEFAULT_REGISTRATION_POLICY.scopes : parseScope(stored.scope),
    grantTypes: stored.grant_types ?? DEFAULT_REGISTRATION_POLICY.grantTypes,
    defaultResource: stored.default_resource ?? undefined,
  };
}

/**
 * An RFC 7592 update may keep what the client holds (granted at registration, or by an admin
 * since) and ask for what the default policy allows, never more: the initial access token's
 * policy is not kept, and need not be, because the client's current metadata stayed within it.
 */
export function updatePolicyFor(current: ClientMetadata): RegistrationPolicy {
  return {
    scopes: new Set([
      ...DEFAULT_REGISTRATION_POLICY.scopes,
      ...(current.scope ? parseScope(current.scope) : []),
    ]),
    grantTypes: [...new Set([...DEFAULT_REGISTRATION_POLICY.grantTypes, ...current.grant_types])],
    defaultResource: current.default_resource,
  };
}

/** The metadata of a self-registered client against its registration policy. */
export function checkRegistrationPolicy(
  metadata: Pick<ClientMetadata, 'scope' | 'grant_types' | 'default_resource'>,
  policy: RegistrationPolicy,
): void {
  for (const scope of metadata.scope ? parseScope(metadata.scope) : []) {
    if (!policy.scopes.has(scope) || scope === ADMIN_SCOPE) {
      throw new InvalidClientMetadata(
        `scope ${scope} is not allowed for clients registered with this initial access token`,
      );
    }
  }
  for (const grant of metadata.grant_types) {
    if (!policy.grantTypes.includes(grant)) {
      throw new InvalidClientMetadata(
        `grant type ${grant} is not allowed for clients registered with this initial access token`,
      );
    }
  }
  if (
    metadata.default_resource !== undefined &&
    metadata.default_resource !== policy.defaultResource
  ) {
    throw new InvalidClientMetadata(
      'default_resource is not allowed for clients registered with this initial access token',
    );
  }
}

/**
 * The optional policy of a new initial access token, validated: `scope` (space-delimited, never
 * `admin`), `grant_types` (a list of supported grant types), `default_resource` (an RFC 8707
 * resource identifier). Errors are invalid_request, the admin API's answer to bad input.
 */
export function readIatPolicy(input: Record<string, unknown>): StoredRegistrationPolicy {
  return {
    scope: readPolicyScope(input.scope),
    grant_types: readPolicyGrantTypes(input.grant_types),
    default_resource: readPolicyResource(input.default_resource),
  };
}

function readPolicyScope(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new InvalidRequest('scope must be a string');
  let scopes: Set<string>;
  try {
    scopes = parseScope(value);
  } catch (err) {
    if (err instanceof OAuthError) throw new InvalidRequest(`scope: ${err.description}`);
    throw err;
  }
  if (scopes.has(ADMIN_SCOPE)) {
    throw new InvalidRequest('scope admin cannot be allowed for dynamic registration');
  }
  return formatScope(scopes);
}

function readPolicyGrantTypes(value: unknown): GrantType[] | null {
  if (value === undefined || value === null) return null;
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((g) => (GRANT_TYPES as readonly unknown[]).includes(g))
  ) {
    throw new InvalidRequest(`grant_types must be a non-empty array of ${GRANT_TYPES.join(', ')}`);
  }
  return [...new Set(value as GrantType[])];
}

function readPolicyResource(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new InvalidRequest('default_resource must be a string');
  const problem = resourceIndicatorProblem(value);
  if (problem) throw new InvalidRequest(`default_resource ${problem}`);
  return value;
}

export function readIatLifetime(value: unknown): number {
  return readInteger(
    value,
    'expires_in',
    DEFAULT_IAT_LIFETIME_SECONDS,
    MIN_IAT_LIFETIME_SECONDS,
    MAX_IAT_LIFETIME_SECONDS,
  );
}

export function readIatMaxUses(value: unknown): number {
  return readInteger(value, 'max_uses', DEFAULT_IAT_MAX_USES, 1, MAX_IAT_MAX_USES);
}

export const MANAGE_ACTIONS = ['read', 'update', 'delete'] as const;
export type ManageAction = (typeof MANAGE_ACTIONS)[number];

export function readManageAction(value: unknown): ManageAction {
  if (!(MANAGE_ACTIONS as readonly unknown[]).includes(value)) {
    throw new InvalidRequest('action must be one of read, update, delete');
  }
  return value as ManageAction;
}

/** RFC 7592 §2.2: an update names the client it updates, and may not change its client_id. */
export function checkClientIdUnchanged(metadata: unknown, clientId: string): void {
  const sent =
    typeof metadata === 'object' && metadata !== null
      ? (metadata as { client_id?: unknown }).client_id
      : undefined;
  if (sent !== undefined && sent !== null && sent !== clientId) {
    throw new InvalidRequest('client_id in the metadata must be the client_id being updated');
  }
}

function readInteger(
  value: unknown,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidRequest(`${name} must be an integer between ${min} and ${max}`);
  }
  return value;
}
