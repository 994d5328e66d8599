/**
 * NATS subjects: the wire format between services. Never rename one without a migration plan
 * (old and new replicas run side by side during a rolling update).
 */
export const TokenSubjects = {
  /** Public JWKS of the signing keys (active and still-valid previous keys). */
  Jwks: 'token.jwks',
  /** The token endpoint (RFC 6749 §3.2): client authentication and every grant type. */
  Request: 'token.request',
  /** Mint an authorization code after login and consent (stored 60 s, single use). */
  IssueCode: 'token.code.issue',
  /**
   * Check an access token for a resource endpoint of the platform (userinfo): signature, expiry,
   * and that its grant is still active.
   */
  ValidateAccessToken: 'token.access_token.validate',
  /** Revoke every grant (and so every refresh token) of a user, e.g. when the user is disabled. */
  RevokeUserGrants: 'token.grants.revoke_user',
  /** RFC 7009 revocation endpoint (client-authenticated, like token.request). */
  Revoke: 'token.revoke',
  /** RFC 7662 introspection endpoint (client-authenticated; optional RFC 9701 JWT response). */
  Introspect: 'token.introspect',
  /** A user's grants (admin API). */
  ListUserGrants: 'token.grants.list',
  /** Revoke one grant (admin API). */
  RevokeGrant: 'token.grants.revoke',
  /** Grants issued in an SSO session: revoke their online tokens, and sign back-channel logout tokens. */
  EndSession: 'token.session.end',
  /** Rotate the signing keys now (admin API, CLI). */
  RotateKeys: 'token.keys.rotate',
} as const;

export const ClientSubjects = {
  /** Full client record (with secret hashes) for authentication and caching; null when unknown. */
  Get: 'clients.get',
  /**
   * Every origin some enabled client allows for CORS (its redirect URIs' origins and its
   * allowed_cors_origins), for preflights, where no client is known yet.
   */
  CorsOrigins: 'clients.cors_origins',
  Create: 'clients.create',
  List: 'clients.list',
  Update: 'clients.update',
  Delete: 'clients.delete',
  RotateSecret: 'clients.rotate_secret',
  /** RFC 7591 dynamic registration with an initial access token. */
  Register: 'clients.register',
  CreateInitialAccessToken: 'clients.initial_access_token.create',
  /** RFC 7592: read/update/delete with the registration access token. */
  ManageRegistration: 'clients.registration.manage',
} as const;

export const ResourceSubjects = {
  Create: 'resources.create',
  Get: 'resources.get',
  List: 'resources.list',
  Update: 'resources.update',
  Delete: 'resources.delete',
  /** Every resource at once (few, small), for the token service's audience/scope cache. */
  All: 'resources.all',
} as const;

export const IdentityProviderSubjects = {
  Create: 'identity_providers.create',
  Get: 'identity_providers.get',
  List: 'identity_providers.list',
  Update: 'identity_providers.update',
  Delete: 'identity_providers.delete',
  /** Every enabled provider with its unsealed secret (few, small), for the gateway's login cache. */
  Enabled: 'identity_providers.enabled',
} as const;

/**
 * Scopes that release claims (docs/architecture.md §7): each maps its claims to user attributes.
 * Answered by the client registry, like API resources.
 */
export const ClaimScopeSubjects = {
  Create: 'claim_scopes.create',
  Get: 'claim_scopes.get',
  List: 'claim_scopes.list',
  Update: 'claim_scopes.update',
  Delete: 'claim_scopes.delete',
  /** Every claim scope at once (few, small), for the gateway's claim cache. */
  All: 'claim_scopes.all',
} as const;

/** Answered by the gateway, which owns users. */
export const UserSubjects = {
  /**
   * The claims of a user for a token being issued: roles, groups and the ID Token's claims. Asked
   * by the token service at every code exchange and refresh, so tokens follow the user's current
   * data; a user who is gone or disabled gets no token.
   */
  TokenClaims: 'users.token_claims',
} as const;

/**
 * The audit service's request subjects: two tokens, so that the AUDIT stream's `audit.*.*` filter
 * (the event subjects, `audit.<noun>.<verb>`) never captures them.
 */
export const AuditSubjects = {
  /** Embedded mode: the outbox relay hands one event over in-process (no JetStream). */
  Ingest: 'audit.ingest',
  /** Stored events, newest first, with filters and a cursor. */
  Query: 'audit.query',
  /** Recompute the hash chain (whole or a range) and report the first row that breaks it. */
  Verify: 'audit.verify',
  /** Stored rows oldest first with their chain fields (export and live tail). */
  Export: 'audit.export',
  /** Signed checkpoints of the chain head, oldest first. */
  Checkpoints: 'audit.checkpoints',
  /** The JWKS of the checkpoint keys. */
  Keys: 'audit.keys',
} as const;

/** Broadcast events: every replica of every interested service receives them (no queue group). */
export const BroadcastEvents = {
  /** A client was created, updated, deleted or had its secret rotated: drop cached copies. */
  ClientChanged: 'client.changed',
  /** An API resource changed: drop cached copies. */
  ResourceChanged: 'resource.changed',
  /** A claim scope changed: drop cached claim mappings. */
  ClaimScopeChanged: 'claim_scope.changed',
  /** An identity provider changed: the gateway drops its cached providers. */
  IdentityProviderChanged: 'identity_provider.changed',
} as const;

/**
 * The subject an installation uses on the wire: the contract's subject above behind its
 * NATS_SUBJECT_PREFIX (`acme.token.request`), or the contract's subject itself when it has none.
 * Several installations share one NATS server without answering each other (docs/nats.md).
 */
export function installationSubject(prefix: string | undefined, subject: string): string {
  return prefix ? `${prefix}.${subject}` : subject;
}
