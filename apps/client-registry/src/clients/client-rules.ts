/**
 * Registry rules for clients beyond the RFC 7591 metadata checks of @latchkey/oauth: who gets a
 * secret, how secrets are compared, the reserved `admin` scope, and request fields.
 */
import {
  ADMIN_SCOPE,
  type ClientMetadata,
  constantTimeEqual,
  InvalidClientMetadata,
  InvalidRequest,
  isPlausibleClientId,
  mayHoldAdminScope,
  parseScope,
  randomToken,
  type TokenEndpointAuthMethod,
} from '@latchkey/oauth';

/** Methods that authenticate with a shared secret; only these clients get one. */
export const SECRET_AUTH_METHODS: readonly TokenEndpointAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
];

/** Rotation grace periods longer than this keep a leaked secret alive too long. */
export const MAX_GRACE_PERIOD_SECONDS = 30 * 24 * 60 * 60;

/** Ids an admin may choose: RFC 3986 unreserved characters, safe in URLs and Basic credentials. */
const CHOSEN_CLIENT_ID = /^[A-Za-z0-9._~-]{1,128}$/;

/** A hash nobody's secret has, compared against when there is no stored one to compare against. */
const NO_SECRET_HASH = 'x'.repeat(43);

export function usesClientSecret(method: TokenEndpointAuthMethod): boolean {
  return SECRET_AUTH_METHODS.includes(method);
}

/** 128 bits from the CSPRNG, 22 base64url characters: unguessable, so ids enumerate nothing. */
export function newClientId(): string {
  return randomToken(16);
}

/**
 * `admin` unlocks the admin API, so it must never reach a token issued through a user flow:
 * only a client whose sole grant type is client_credentials may hold it.
 */
export function checkAdminScope(metadata: Pick<ClientMetadata, 'scope' | 'grant_types'>): void {
  if (!hasScope(metadata, ADMIN_SCOPE)) return;
  if (!mayHoldAdminScope(metadata.grant_types)) {
    throw new InvalidClientMetadata(
      'scope admin is only allowed for clients whose only grant type is client_credentials',
    );
  }
}

export function hasScope(metadata: Pick<ClientMetadata, 'scope'>, scope: string): boolean {
  return metadata.scope !== undefined && parseScope(metadata.scope).has(scope);
}

/**
 * Compares the hash of a presented secret with every stored hash, without stopping at a match,
 * so the time taken does not tell which one matched or how many there are to try.
 */
export function secretMatchesAny(presentedHash: string, storedHashes: readonly string[]): boolean {
  let matched = false;
  for (const stored of storedHashes.length > 0 ? storedHashes : [NO_SECRET_HASH]) {
    const equal = constantTimeEqual(presentedHash, stored);
    matched = matched || equal;
  }
  return matched;
}

/** `client_id` of a request: a non-empty string of sane length, else invalid_request. */
export function readClientId(request: unknown): string {
  const clientId = isObject(request) ? request.client_id : undefined;
  if (!isPlausibleClientId(clientId)) {
    throw new InvalidRequest('client_id is required');
  }
  return clientId;
}

/** An id an admin chose instead of a generated one. */
export function readChosenClientId(value: unknown): string {
  if (typeof value !== 'string' || !CHOSEN_CLIENT_ID.test(value)) {
    throw new InvalidRequest(
      'client_id must be 1 to 128 characters of A-Z a-z 0-9 and the characters . _ ~ -',
    );
  }
  return value;
}

export function readGracePeriod(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < 0 ||
    value > MAX_GRACE_PERIOD_SECONDS
  ) {
    throw new InvalidRequest(
      `grace_period_seconds must be an integer between 0 and ${MAX_GRACE_PERIOD_SECONDS}`,
    );
  }
  return value;
}

/** `disabled` in an update patch: a boolean, or null for the default (enabled). */
export function readDisabled(value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === null) return false;
  if (typeof value !== 'boolean') throw new InvalidClientMetadata('disabled must be a boolean');
  return value;
}

/** The fields of a bus payload, which nothing but the handler has checked: `{}` for a non-object. */
export function fieldsOf(request: unknown): Record<string, unknown> {
  return isObject(request) ? request : {};
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
