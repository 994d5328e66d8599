/**
 * Validation of API resources from the admin API. Errors are invalid_request naming the field;
 * descriptions never echo the input (it could break the error_description charset).
 */
import {
  ADMIN_SCOPE,
  BUILT_IN_CLAIM_SCOPES,
  InvalidRequest,
  isValidScopeToken,
  LIFETIME_BOUNDS,
  OIDC_SCOPES,
  resourceIndicatorProblem,
} from '@latchkey/oauth';

/**
 * Scopes a resource may not define: the OIDC scopes and `groups` belong to the OpenID provider
 * itself (they shape id_tokens and userinfo), and `admin` is the admin API's, granted only to admin clients.
 */
export const RESERVED_SCOPES: ReadonlySet<string> = new Set([
  ...OIDC_SCOPES,
  ...BUILT_IN_CLAIM_SCOPES,
  ADMIN_SCOPE,
]);

export const DEFAULT_ACCESS_TOKEN_LIFETIME = 3600;
export const MAX_RESOURCE_NAME_LENGTH = 200;
export const MAX_RESOURCE_SCOPES = 200;
export const MAX_RESOURCE_ROLES = 100;
export const MAX_ROLE_LENGTH = 128;
export const MAX_SCOPE_DESCRIPTION_LENGTH = 300;

export interface ResourceInput {
  identifier: string;
  name: string;
  scopes: string[];
  roles: string[];
  /** What a scope lets an application do, for the consent page; keyed by scope. */
  scope_descriptions: Record<string, string>;
  access_token_lifetime: number;
}

type Fields = Record<string, unknown>;

/** Text shown on the consent page: no control characters, no bidi overrides (spoofing). */
const UNSHOWABLE = /\p{Cc}|[\u202a-\u202e\u2066-\u2069]/u;

/** A new resource. `issuer` is not allowed as an identifier: that audience means userinfo. */
export function validateResource(input: unknown, issuer: string): ResourceInput {
  if (!isObject(input)) throw new InvalidRequest('resource must be a JSON object');
  return readResource(copy(input), issuer);
}

/**
 * A JSON merge patch (RFC 7396) over a stored resource, validated as a whole. The identifier is
 * the `aud` of tokens already issued and may not change.
 */
export function validateResourcePatch(existing: ResourceInput, patch: unknown): ResourceInput {
  if (!isObject(patch)) throw new InvalidRequest('patch must be a JSON object');
  if (
    Object.hasOwn(patch, 'identifier') &&
    patch.identifier !== null &&
    patch.identifier !== existing.identifier
  ) {
    throw new InvalidRequest('identifier cannot be changed');
  }
  const fields = copy(existing as unknown as Fields);
  for (const key of Object.keys(patch)) fields[key] = patch[key];
  fields.identifier = existing.identifier;
  fields.scope_descriptions = patchDescriptions(existing, patch);
  // The stored identifier passed the issuer check when it was created.
  return readResource(fields, undefined);
}

function readResource(fields: Fields, issuer: string | undefined): ResourceInput {
  const scopes = readScopes(fields);
  return {
    identifier: readIdentifier(fields, issuer),
    name: readName(fields),
    scopes,
    roles: readRoles(fields),
    scope_descriptions: readDescriptions(fields, scopes),
    access_token_lifetime: readLifetime(fields),
  };
}

/**
 * RFC 7396 on the one nested object: a patch's `scope_descriptions` merges key by key (`null`
 * removes one), and the descriptions of scopes the patch removes go with them.
 */
function patchDescriptions(existing: ResourceInput, patch: Fields): unknown {
  const scopes = Object.hasOwn(patch, 'scopes') ? patch.scopes : existing.scopes;
  const kept = copy({});
  for (const [scope, description] of Object.entries(existing.scope_descriptions)) {
    if (Array.isArray(scopes) && scopes.includes(scope)) kept[scope] = description;
  }
  if (!Object.hasOwn(patch, 'scope_descriptions')) return kept;
  const change = patch.scope_descriptions;
  if (change === null) return undefined;
  if (!isObject(change)) return change;
  for (const [scope, description] of Object.entries(change)) {
    if (description === null) delete kept[scope];
    else kept[scope] = description;
  }
  return kept;
}

/** One short line of text per scope of this resource, shown on the consent page. */
function readDescriptions(fields: Fields, scopes: readonly string[]): Record<string, string> {
  const raw = field(fields, 'scope_descriptions');
  if (raw === undefined) return {};
  if (!isObject(raw)) throw new InvalidRequest('scope_descriptions must be a JSON object');
  const descriptions: Record<string, string> = {};
  for (const [scope, value] of Object.entries(raw)) {
    const index = scopes.indexOf(scope);
    if (index < 0) {
      throw new InvalidRequest('scope_descriptions may only describe scopes listed in scopes');
    }
    const where = `scope_descriptions of scopes[${index}]`;
    if (typeof value !== 'string') throw new InvalidRequest(`${where} must be a string`);
    const description = value.trim();
    if (description === '' || description.length > MAX_SCOPE_DESCRIPTION_LENGTH) {
      throw new InvalidRequest(`${where} must be 1 to ${MAX_SCOPE_DESCRIPTION_LENGTH} characters`);
    }
    if (UNSHOWABLE.test(description)) {
      throw new InvalidRequest(`${where} must not contain control or bidi characters`);
    }
    descriptions[scope] = description;
  }
  return descriptions;
}

function readIdentifier(fields: Fields, issuer: string | undefined): string {
  const identifier = field(fields, 'identifier');
  if (identifier === undefined) throw new InvalidRequest('identifier is required');
  if (typeof identifier !== 'string') throw new InvalidRequest('identifier must be a string');
  const problem = resourceIndicatorProblem(identifier);
  if (problem) throw new InvalidRequest(`identifier ${problem}`);
  if (issuer !== undefined && identifier.replace(/\/+$/, '') === issuer.replace(/\/+$/, '')) {
    throw new InvalidRequest('identifier must not be the issuer');
  }
  return identifier;
}

function readName(fields: Fields): string {
  const raw = field(fields, 'name');
  if (raw === undefined) throw new InvalidRequest('name is required');
  if (typeof raw !== 'string') throw new InvalidRequest('name must be a string');
  const name = raw.trim();
  if (name === '') throw new InvalidRequest('name must not be empty');
  if (name.length > MAX_RESOURCE_NAME_LENGTH) {
    throw new InvalidRequest(`name must be at most ${MAX_RESOURCE_NAME_LENGTH} characters`);
  }
  // Shown on consent pages, like client_name.
  if (UNSHOWABLE.test(name)) {
    throw new InvalidRequest('name must not contain control or bidi characters');
  }
  return name;
}

function readScopes(fields: Fields): string[] {
  const scopes = field(fields, 'scopes');
  if (scopes === undefined) return [];
  if (!Array.isArray(scopes)) throw new InvalidRequest('scopes must be an array of scope tokens');
  if (scopes.length > MAX_RESOURCE_SCOPES) {
    throw new InvalidRequest(`scopes must have at most ${MAX_RESOURCE_SCOPES} entries`);
  }
  const seen = new Set<string>();
  scopes.forEach((scope: unknown, index: number) => {
    if (!isValidScopeToken(scope)) {
      throw new InvalidRequest(
        `scopes[${index}] must be a scope token (characters %x21 / %x23-5B / %x5D-7E)`,
      );
    }
    if (RESERVED_SCOPES.has(scope)) {
      throw new InvalidRequest(`scopes[${index}] is the reserved scope ${scope}`);
    }
    if (seen.has(scope)) throw new InvalidRequest(`scopes[${index}] repeats an earlier scope`);
    seen.add(scope);
  });
  return [...seen];
}

/** Role names share the scope-token characters, so they read the same in any token. */
function readRoles(fields: Fields): string[] {
  const roles = field(fields, 'roles');
  if (roles === undefined) return [];
  if (!Array.isArray(roles)) throw new InvalidRequest('roles must be an array of role names');
  if (roles.length > MAX_RESOURCE_ROLES) {
    throw new InvalidRequest(`roles must have at most ${MAX_RESOURCE_ROLES} entries`);
  }
  const seen = new Set<string>();
  roles.forEach((role: unknown, index: number) => {
    if (!isValidScopeToken(role) || role.length > MAX_ROLE_LENGTH) {
      throw new InvalidRequest(
        `roles[${index}] must be 1 to ${MAX_ROLE_LENGTH} characters (printable ASCII except space, double quote and backslash)`,
      );
    }
    if (seen.has(role)) throw new InvalidRequest(`roles[${index}] repeats an earlier role`);
    seen.add(role);
  });
  return [...seen];
}

function readLifetime(fields: Fields): number {
  const value = field(fields, 'access_token_lifetime');
  if (value === undefined) return DEFAULT_ACCESS_TOKEN_LIFETIME;
  const { min, max } = LIFETIME_BOUNDS.access_token_lifetime;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidRequest(
      `access_token_lifetime must be an integer between ${min} and ${max} seconds`,
    );
  }
  return value;
}

/** An own field; `null` counts as absent (and, in a patch, as a reset to the default). */
function field(fields: Fields, name: string): unknown {
  const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
  return value === null ? undefined : value;
}

/** A prototype-less copy, so `__proto__` in untrusted JSON is a plain key. */
function copy(input: Fields): Fields {
  return Object.assign(Object.create(null) as Fields, input);
}

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
