/**
 * Upstream identity providers (docs/identity-providers.md): owned by the client registry, read by
 * the gateway's login. Part of the wire format: never rename a member without a migration plan.
 */

/** A provider id: lower-case letters, digits and dashes, safe in a URL path, a claim and a log. */
export const IDENTITY_PROVIDER_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** OpenID Connect (discovery, id_token) or plain OAuth 2.0 (userinfo only, GitHub-style). */
export const IDENTITY_PROVIDER_KINDS = ['oidc', 'oauth2'] as const;
export type IdentityProviderKind = (typeof IDENTITY_PROVIDER_KINDS)[number];

/** How Latchkey authenticates itself at the upstream token endpoint. */
export const UPSTREAM_CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post'] as const;
export type UpstreamClientAuthMethod = (typeof UPSTREAM_CLIENT_AUTH_METHODS)[number];

/** Local profile fields an upstream claim may fill, and `groups` (kept with the link for now). */
export const MAPPED_ATTRIBUTES = [
  'email',
  'email_verified',
  'name',
  'given_name',
  'family_name',
  'preferred_username',
  'groups',
] as const;
export type MappedAttribute = (typeof MAPPED_ATTRIBUTES)[number];

/** Local attribute → upstream claim name (a dotted path reads nested claims). */
export type ClaimMapping = Partial<Record<MappedAttribute, string>>;

/** What the admin API shows: everything but the client secret, of which only its presence. */
export interface IdentityProviderView {
  /** Chosen by the operator: the `idp` claim, the hint value and part of the callback URL. */
  id: string;
  kind: IdentityProviderKind;
  display_name: string;
  enabled: boolean;
  /** null: offered to every client; otherwise only to these. */
  client_ids: string[] | null;
  /** E-mail domains whose users this provider serves (home-realm discovery). */
  domains: string[];
  /** OIDC: the issuer, its discovery document at `<issuer>/.well-known/openid-configuration`. */
  issuer: string | null;
  /** Explicit endpoints; OIDC reads the missing ones from discovery. */
  authorization_endpoint: string | null;
  token_endpoint: string | null;
  userinfo_endpoint: string | null;
  jwks_uri: string | null;
  client_id: string;
  client_auth_method: UpstreamClientAuthMethod;
  client_secret_set: boolean;
  scopes: string[];
  /** The claim (id_token or userinfo) that identifies the user stably: `sub`, or `id` at GitHub. */
  subject_claim: string;
  claim_mapping: ClaimMapping;
  /** OIDC: also ask userinfo (claims an id_token lacks); OAuth 2.0 always does. */
  use_userinfo: boolean;
  /**
   * Opt-in: the first upstream sign-in links an existing local account whose verified e-mail
   * equals the upstream's verified e-mail. Off: a new local account is made.
   */
  link_by_verified_email: boolean;
  created_at: string;
  updated_at: string;
}

/** The gateway's copy, over the bus only: with the unsealed client secret. */
export interface IdentityProviderRecord extends IdentityProviderView {
  client_secret: string | null;
}

export interface CreateIdentityProviderRequest {
  /** Untrusted input validated by the registry. */
  provider: unknown;
}
export interface GetIdentityProviderRequest {
  id: string;
}
export interface ListIdentityProvidersRequest {
  limit?: number;
  cursor?: string;
}
export interface ListIdentityProvidersResponse {
  items: IdentityProviderView[];
  next_cursor: string | null;
}
export interface UpdateIdentityProviderRequest {
  id: string;
  patch: unknown;
}
export interface DeleteIdentityProviderRequest {
  id: string;
}
/** `identity_providers.enabled`: every enabled provider with its secret, for the login cache. */
export type EnabledIdentityProvidersResponse = IdentityProviderRecord[];

export interface IdentityProviderChangedEvent {
  id: string;
  change: 'created' | 'updated' | 'deleted';
}
