/**
 * Validation of claim scopes from the admin API (docs/architecture.md §7). Errors are
 * invalid_request naming the field; descriptions never echo the input.
 */
import {
  ADMIN_SCOPE,
  BUILT_IN_CLAIM_SCOPES,
  InvalidRequest,
  isValidScopeToken,
  OIDC_SCOPES,
  RESERVED_CLAIMS,
} from '@latchkey/oauth';

/** Names that already mean something: the OIDC scopes, `groups`, and the admin API's scope. */
const RESERVED_SCOPE_NAMES: ReadonlySet<string> = new Set([
  ...OIDC_SCOPES,
  ...BUILT_IN_CLAIM_SCOPES,
  ADMIN_SCOPE,
]);
export const MAX_CLAIM_SCOPE_NAME_LENGTH = 128;
export const MAX_CLAIMS_PER_SCOPE = 50;
export const MAX_DESCRIPTION_LENGTH = 300;
/** Claim and attribute names: letters first, then letters, digits and . _ - (as user attributes). */
const CLAIM_OR_ATTRIBUTE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

export interface ClaimScopeInput {
  name: string;
  description: string | null;
  claims: Record<string, string>;
  public: boolean;
}

type Fields = Record<string, unknown>;

export function validateClaimScope(input: unknown): ClaimScopeInput {
  if (!isObject(input)) throw new InvalidRequest('scope must be a JSON object');
  return readClaimScope(copy(input));
}

/** A JSON merge patch (RFC 7396) over a stored claim scope; the name cannot change. */
export function validateClaimScopePatch(
  existing: ClaimScopeInput,
  patch: unknown,
): ClaimScopeInput {
  if (!isObject(patch)) throw new InvalidRequest('patch must be a JSON object');
  if (Object.hasOwn(patch, 'name') && patch.name !== null && patch.name !== existing.name) {
    throw new InvalidRequest('name cannot be changed');
  }
  const fields = copy(existing as unknown as Fields);
  for (const key of Object.keys(patch)) {
    // `claims` is itself merged, so one claim can be added or (with null) removed.
    fields[key] =
      key === 'claims' && isObject(patch.claims)
        ? mergeClaims(existing.claims, patch.claims)
        : patch[key];
  }
  fields.name = existing.name;
  return readClaimScope(fields);
}

function readClaimScope(fields: Fields): ClaimScopeInput {
  for (const key of Object.keys(fields)) {
    if (!['name', 'description', 'claims', 'public'].includes(key)) {
      throw new InvalidRequest(`unknown field ${printable(key)}`);
    }
  }
  return {
    name: readName(fields.name),
    description: readDescription(fields.description),
    claims: readClaims(fields.claims),
    public: readPublic(fields.public),
  };
}

function readName(name: unknown): string {
  if (name === undefined || name === null) throw new InvalidRequest('name is required');
  if (!isValidScopeToken(name) || name.length > MAX_CLAIM_SCOPE_NAME_LENGTH) {
    throw new InvalidRequest(
      `name must be a scope token of at most ${MAX_CLAIM_SCOPE_NAME_LENGTH} characters`,
    );
  }
  if (RESERVED_SCOPE_NAMES.has(name))
    throw new InvalidRequest(`name is the reserved scope ${name}`);
  return name;
}

function readDescription(description: unknown): string | null {
  if (description === undefined || description === null) return null;
  if (typeof description !== 'string') throw new InvalidRequest('description must be a string');
  const text = description.trim();
  if (text === '' || text.length > MAX_DESCRIPTION_LENGTH) {
    throw new InvalidRequest(`description must be 1 to ${MAX_DESCRIPTION_LENGTH} characters`);
  }
  // Shown on consent pages, like a resource's name.
  if (/\p{Cc}|[\u202a-\u202e\u2066-\u2069]/u.test(text)) {
    throw new InvalidRequest('description must not contain control or bidi characters');
  }
  return text;
}

function readClaims(claims: unknown): Record<string, string> {
  if (claims === undefined || claims === null) throw new InvalidRequest('claims is required');
  if (!isObject(claims)) {
    throw new InvalidRequest('claims must be an object of claim name to user attribute name');
  }
  const entries = Object.entries(claims);
  if (entries.length === 0 || entries.length > MAX_CLAIMS_PER_SCOPE) {
    throw new InvalidRequest(`claims must map 1 to ${MAX_CLAIMS_PER_SCOPE} claims`);
  }
  const mapped: Record<string, string> = {};
  entries.forEach(([claim, attribute], index) => {
    if (!CLAIM_OR_ATTRIBUTE.test(claim)) {
      throw new InvalidRequest(
        `claims name #${index + 1} must be a letter then up to 63 letters, digits and . _ -`,
      );
    }
    if (RESERVED_CLAIMS.has(claim)) {
      throw new InvalidRequest(`claims.${claim} is a protocol or standard claim`);
    }
    if (typeof attribute !== 'string' || !CLAIM_OR_ATTRIBUTE.test(attribute)) {
      throw new InvalidRequest(`claims.${claim} must name a user attribute`);
    }
    mapped[claim] = attribute;
  });
  return mapped;
}

function readPublic(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new InvalidRequest('public must be true or false');
  return value;
}

function mergeClaims(existing: Record<string, string>, patch: Fields): Fields {
  const merged: Fields = copy(existing);
  for (const [claim, attribute] of Object.entries(patch)) {
    if (attribute === null) delete merged[claim];
    else merged[claim] = attribute;
  }
  return merged;
}

function printable(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '?').slice(0, 64) || '(empty name)';
}

/** A prototype-less copy, so `__proto__` in untrusted JSON is a plain key. */
function copy(input: Fields): Fields {
  return Object.assign(Object.create(null) as Fields, input);
}

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
