/**
 * Upstream identity providers (docs/identity-providers.md): owned by the client registry, read by
 * the gateway's login. Part of the wire format: never rename a member without a migration plan.
 */

/** A provider id: lower-case letters, digits and dashes, safe in a URL path, a claim and a log. */
export const IDENTITY_PROVIDER_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * OpenID Connect (discovery, id_token), plain OAuth 2.0 (userinfo only, GitHub-style), or an LDAP
 * directory (the login form's password checked by a bind as the user's entry).
 */
export const IDENTITY_PROVIDER_KINDS = ['oidc', 'oauth2', 'ldap'] as const;
export type IdentityProviderKind = (typeof IDENTITY_PROVIDER_KINDS)[number];

/** The kinds that send the browser to the upstream ("Continue with", idp_hint, login_hint). */
export const REDIRECT_PROVIDER_KINDS: readonly IdentityProviderKind[] = ['oidc', 'oauth2'];

/** In `user_search_filter`: the typed username, escaped as an RFC 4515 assertion value. */
export const LDAP_USERNAME_PLACEHOLDER = '{username}';
/** In `group_search_filter`: the user entry's DN, escaped as an RFC 4515 assertion value. */
export const LDAP_DN_PLACEHOLDER = '{dn}';

/**
 * How an `ldap` provider reaches its directory. The connection is always encrypted: `ldaps://`,
 * or `ldap://` upgraded by StartTLS before anything is sent.
 */
export interface LdapSettings {
  /** `ldaps://host[:port]` or `ldap://host[:port]` (then `start_tls` must be true). */
  url: string;
  start_tls: boolean;
  /** PEM certificates of a private CA the directory's certificate chains to; else the system's. */
  tls_ca: string | null;
  /** The service account that searches for users (its password is the provider's secret). */
  bind_dn: string;
  user_search_base: string;
  /** An RFC 4515 filter naming `{username}` once or more; default `(uid={username})`. */
  user_search_filter: string;
  /** Where group entries are searched; null: groups are the user's `groups` attribute (memberOf). */
  group_search_base: string | null;
  /** An RFC 4515 filter naming `{dn}`; default `(member={dn})`. */
  group_search_filter: string;
  /** The deadline of connecting and of each operation, in milliseconds. */
  timeout_ms: number;
}

/**
 * How Latchkey authenticates itself at the upstream token endpoint; `private_key_jwt` signs an
 * RFC 7523 assertion with the provider's sealed private JWK (the upstream holds the public half).
 */
export const UPSTREAM_CLIENT_AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
] as const;
export type UpstreamClientAuthMethod = (typeof UPSTREAM_CLIENT_AUTH_METHODS)[number];

/** Local profile fields an upstream claim (LDAP: attribute) may fill, and `groups`. */
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
  /** Latchkey's client id at the upstream (null for `ldap`). */
  client_id: string | null;
  client_auth_method: UpstreamClientAuthMethod;
  /** Whether the secret is set: the client secret, or an `ldap` provider's bind password. */
  client_secret_set: boolean;
  scopes: string[];
  /**
   * The claim (id_token or userinfo) that identifies the user stably: `sub`, or `id` at GitHub;
   * for `ldap` the entry's attribute (`entryUUID`, Active Directory's `objectGUID`).
   */
  subject_claim: string;
  claim_mapping: ClaimMapping;
  /** OIDC: also ask userinfo (claims an id_token lacks); OAuth 2.0 always does. */
  use_userinfo: boolean;
  /**
   * Opt-in: the first upstream sign-in links an existing local account whose verified e-mail
   * equals the upstream's verified e-mail. Off: a new local account is made.
   */
  link_by_verified_email: boolean;
  /** `ldap` only (absent for the other kinds): the directory. */
  ldap?: LdapSettings;
  created_at: string;
  updated_at: string;
}

/**
 * The gateway's copy, over the bus only: with the unsealed secret (`ldap`: the bind password;
 * `private_key_jwt`: the private JWK as JSON).
 */
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
