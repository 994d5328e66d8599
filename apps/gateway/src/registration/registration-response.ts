import type { ClientView } from '@latchkey/contracts';
import type { ClientMetadata } from '@latchkey/oauth';
import { toClientView } from '../admin/client-view';

/** RFC 7591 §3.2.1 client information, with the RFC 7592 §3 fields to manage it. */
export type ClientRegistration = ClientMetadata & {
  client_id: string;
  client_id_issued_at: number;
  client_secret?: string;
  client_secret_expires_at?: number;
  registration_access_token?: string;
  registration_client_uri: string;
};

export interface RegistrationResult {
  client: ClientView;
  client_secret?: string;
  registration_access_token?: string;
}

/**
 * The registration as the client sees it: its metadata and identifiers, not the administrator's
 * bookkeeping (disabled, created_at, updated_at) nor anything internal.
 */
export function toClientRegistration(
  issuer: string,
  result: RegistrationResult,
): ClientRegistration {
  const {
    disabled: _disabled,
    created_at: _created,
    updated_at: _updated,
    ...client
  } = toClientView(result.client);
  const registration: ClientRegistration = {
    ...client,
    registration_client_uri: `${issuer}/register/${encodeURIComponent(client.client_id)}`,
  };
  if (result.client_secret !== undefined) {
    registration.client_secret = result.client_secret;
    // RFC 7591 §3.2.1: REQUIRED with a secret; 0 = it does not expire.
    registration.client_secret_expires_at = client.client_secret_expires_at ?? 0;
  }
  if (result.registration_access_token !== undefined) {
    registration.registration_access_token = result.registration_access_token;
  }
  return registration;
}
