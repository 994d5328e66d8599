import type { ClientRecord, ClientView } from '@latchkey/contracts';
import type { ClientMetadata } from '@latchkey/oauth';
import type { ClientSecretEntity } from './client-secret.entity';
import type { ClientEntity } from './client.entity';
import { usesClientSecret } from './client-rules';

/** The stored fields a view is made of (the list sequence number is not one). */
export type StoredClient = Omit<ClientEntity, 'seq'>;

/**
 * The order validateClientMetadata produces. jsonb stores keys sorted by length, so views put them
 * back in this order for people reading the admin API.
 */
const METADATA_ORDER: ReadonlyArray<keyof ClientMetadata> = [
  'client_name',
  'application_type',
  'redirect_uris',
  'post_logout_redirect_uris',
  'grant_types',
  'response_types',
  'token_endpoint_auth_method',
  'scope',
  'jwks',
  'jwks_uri',
  'id_token_signed_response_alg',
  'access_token_lifetime',
  'refresh_token_lifetime',
  'id_token_lifetime',
  'skip_consent',
  'backchannel_logout_uri',
  'default_resource',
  'allowed_cors_origins',
  'id_token_claims',
];

/** What the admin API and RFC 7591/7592 responses show: never a secret or its hash. */
export function toClientView(client: StoredClient): ClientView {
  return {
    client_id: client.clientId,
    ...inCanonicalOrder(client.metadata),
    client_id_issued_at: Number(client.clientIdIssuedAt),
    // RFC 7591 §3.2.1: 0 = the secret does not expire (rotation, not expiry, replaces it).
    ...(usesClientSecret(client.metadata.token_endpoint_auth_method)
      ? { client_secret_expires_at: 0 }
      : {}),
    disabled: client.disabled,
    created_at: client.createdAt.toISOString(),
    updated_at: client.updatedAt.toISOString(),
  };
}

/** The view plus the hashes of the secrets that still work, for the bus only. */
export function toClientRecord(client: StoredClient, secrets: ClientSecretEntity[]): ClientRecord {
  return {
    ...toClientView(client),
    secret_hashes: secrets.map((secret) => ({
      hash: secret.hash,
      expires_at: secret.expiresAt ? secret.expiresAt.toISOString() : null,
    })),
  };
}

function inCanonicalOrder(metadata: ClientMetadata): ClientMetadata {
  const ordered: Record<string, unknown> = {};
  for (const key of METADATA_ORDER) {
    if (metadata[key] !== undefined) ordered[key] = metadata[key];
  }
  return { ...ordered, ...metadata } as ClientMetadata;
}

export function epochSeconds(date: Date): string {
  return String(Math.floor(date.getTime() / 1000));
}
