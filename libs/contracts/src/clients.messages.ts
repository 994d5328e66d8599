import type { ClientMetadata } from '@latchkey/oauth';

/** Client metadata as the admin API and RFC 7591 show it (never a secret or its hash). */
export interface ClientView extends ClientMetadata {
  client_id: string;
  /** RFC 7591 §3.2.1: seconds since the epoch. */
  client_id_issued_at: number;
  /** 0 = never expires (RFC 7591 §3.2.1); present for confidential clients. */
  client_secret_expires_at?: number;
  disabled: boolean;
  created_at: string;
  updated_at: string;
}

/** One stored secret hash; during a rotation grace period a client has two. */
export interface SecretHash {
  /** base64url SHA-256 of the secret. */
  hash: string;
  /** ISO time after which this secret no longer works; null = until rotated. */
  expires_at: string | null;
}

/**
 * What the token service and gateway cache: the view plus what authentication needs.
 * Internal to the bus; never returned over HTTP.
 */
export interface ClientRecord extends ClientView {
  secret_hashes: SecretHash[];
}

export interface GetClientRequest {
  client_id: string;
}
export type GetClientResponse = ClientRecord | null;

/** `clients.cors_origins` takes no payload. */
export interface CorsOriginsResponse {
  origins: string[];
}

export interface CreateClientRequest {
  /** Untrusted RFC 7591 metadata, validated by the registry. */
  metadata: unknown;
  /** Only the bootstrap path may choose the id; otherwise the registry generates one. */
  client_id?: string;
}
export interface CreateClientResponse {
  client: ClientView;
  /** Plaintext secret, shown once, for confidential clients. */
  client_secret?: string;
}

export interface ListClientsRequest {
  limit?: number;
  cursor?: string;
}
export interface ListClientsResponse {
  items: ClientView[];
  next_cursor: string | null;
}

export interface UpdateClientRequest {
  client_id: string;
  /** JSON merge patch of metadata, plus `disabled`. */
  patch: unknown;
}

/** The updated client; `client_secret` only when the update gave it its first secret (once). */
export interface UpdateClientResponse {
  client: ClientView;
  client_secret?: string;
}

export interface DeleteClientRequest {
  client_id: string;
}

export interface RotateSecretRequest {
  client_id: string;
  /** The old secret keeps working this long (0 = revoke at once). */
  grace_period_seconds?: number;
}
export interface RotateSecretResponse {
  client: ClientView;
  client_secret: string;
}

export interface CreateInitialAccessTokenRequest {
  /** Lifetime in seconds (default 1 day, at most 30 days). */
  expires_in?: number;
  /** How many clients it may register before it is used up (default 1, like Keycloak's count). */
  max_uses?: number;
  /**
   * What the clients it registers may ask for (space-delimited scopes, grant types, the one
   * default_resource); unset: the OpenID Connect scopes, authorization_code and refresh_token,
   * no default_resource. Registrations beyond it are invalid_client_metadata.
   */
  scope?: string;
  grant_types?: string[];
  default_resource?: string;
}
export interface CreateInitialAccessTokenResponse {
  initial_access_token: string;
  expires_at: string;
  /** How many registrations the token allows (the registry always answers it). */
  max_uses?: number;
  /** The registration policy, when the admin set one. */
  scope?: string;
  grant_types?: string[];
  default_resource?: string;
}

export interface RegisterClientRequest {
  initial_access_token: string;
  metadata: unknown;
}
/** RFC 7591 §3.2.1 + RFC 7592 §3 registration response. */
export interface RegisterClientResponse {
  client: ClientView;
  client_secret?: string;
  registration_access_token: string;
}

export interface ManageRegistrationRequest {
  client_id: string;
  registration_access_token: string;
  action: 'read' | 'update' | 'delete';
  /** For update: the full metadata (RFC 7592 §2.2 replaces, it does not merge). */
  metadata?: unknown;
}
/**
 * RFC 7592 §3: read and update answer the client information; delete answers null. A new
 * registration access token or client secret is present only when the registry issued one.
 */
export type ManageRegistrationResponse = {
  client: ClientView;
  client_secret?: string;
  registration_access_token?: string;
} | null;

export interface ClientChangedEvent {
  client_id: string;
  change: 'created' | 'updated' | 'deleted' | 'secret_rotated';
}
