/**
 * What a client registering itself (RFC 7591 with an initial access token) may not ask for, and
 * the limits of the tokens that let it.
 */
import {
  ADMIN_SCOPE,
  type ClientMetadata,
  InvalidClientMetadata,
  InvalidRequest,
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
