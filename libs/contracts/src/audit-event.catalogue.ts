/**
 * The audit event catalogue (docs/audit-events.md is generated from it): every event type, the
 * version of its data, what each data member means, and an example. It is the one home of the
 * event types, which are a wire contract security teams build on: a type is never renamed or a
 * member removed without a new version and a note in {@link AUDIT_EVENT_RENAMES}.
 *
 * A type is `<noun>.<verb>` with exactly one dot (the stream's subject filter relies on it);
 * refusals end in `.failed` or `.denied`.
 */

/** One data member: a JSON Schema fragment with its description (always). */
export interface AuditFieldSchema {
  readonly description: string;
  readonly type?: 'string' | 'integer' | 'boolean' | 'array' | 'object';
  readonly enum?: readonly string[];
  readonly items?: { readonly type: 'string' };
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly properties?: Readonly<Record<string, AuditFieldSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
}

export interface AuditEventDefinition {
  /** The data's version; part of the event's `dataschema` URI. */
  readonly version: number;
  /** Which service emits it. */
  readonly emitter: 'gateway' | 'token' | 'client-registry';
  readonly description: string;
  /** Members besides the common ones every event may carry ({@link AUDIT_COMMON_FIELDS}). */
  readonly fields: Readonly<Record<string, AuditFieldSchema>>;
  /** Members that are always present (common ones included when the type guarantees them). */
  readonly required: readonly string[];
  /** The `subject` attribute: what the event is about. */
  readonly subject: string;
  /** A typical `data`, validated against the schema by a unit test. */
  readonly example: Readonly<Record<string, unknown>>;
}

const text = (description: string): AuditFieldSchema => ({ type: 'string', description });
const flag = (description: string): AuditFieldSchema => ({ type: 'boolean', description });
const count = (description: string): AuditFieldSchema => ({
  type: 'integer',
  minimum: 0,
  description,
});
const oneOf = (values: readonly string[], description: string): AuditFieldSchema => ({
  type: 'string',
  enum: values,
  description,
});
const names = (description: string): AuditFieldSchema => ({
  type: 'array',
  items: { type: 'string' },
  description,
});

/** Who acted: a user, an administrator (the admin client), a client, a service, or nobody known. */
export const AUDIT_ACTOR_TYPES = ['user', 'admin', 'client', 'service', 'anonymous'] as const;
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number];

/** Members any event may carry; `actor` is in every one. */
export const AUDIT_COMMON_FIELDS = {
  actor: {
    type: 'object',
    description:
      'Who caused the event: `type` user (`id` is the `sub`), admin (`id` is the admin API client id), client (`id` is the client id, claimed when its authentication failed), service (`id` is the service, for scheduled work) or anonymous (no `id`).',
    properties: {
      type: oneOf(AUDIT_ACTOR_TYPES, 'The kind of actor.'),
      id: text('The actor: a `sub`, a client id or a service name.'),
    },
    required: ['type'],
    additionalProperties: false,
  },
  client_id: text('The OAuth client the event concerns.'),
  sub: text('The end-user (`sub`) the event concerns.'),
  session: text('The SSO session id (`sid` in ID Tokens and logout tokens).'),
  grant: text('The grant id: one user authorization of one client, owning its refresh tokens.'),
  ip: text(
    'The address of the HTTP caller (after TRUSTED_PROXIES), absent for work without a caller.',
  ),
  user_agent: text('The HTTP caller’s User-Agent, cut at 1024 characters.'),
} as const satisfies Record<string, AuditFieldSchema>;

const VIA = oneOf(
  ['admin', 'registration', 'configuration'],
  'How: the admin API, dynamic registration (RFC 7591/7592), or the ADMIN_CLIENT_ID settings at start.',
);
const SCOPE = text('Space-separated scopes.');
const SESSION_END_REASONS = [
  'logout',
  'replaced',
  'expired',
  'user_disabled',
  'user_deleted',
  'admin',
] as const;
const CLIENT_AUTH_ENDPOINTS = ['token', 'introspection', 'revocation', 'registration'] as const;
const TOKEN_FIELDS = {
  grant_type: text('The grant type of the request (client_credentials only; others by type).'),
  scope: SCOPE,
  aud: text('The access token’s audience.'),
  jti: text('The access token’s id (`jti`).'),
  refresh_token_issued: flag('Whether a refresh token was issued with it.'),
  refresh_retry: flag(
    'A retried refresh within the reuse window, answered with the same successor.',
  ),
} as const;
const EXAMPLE_ORIGIN = { ip: '203.0.113.7', user_agent: 'Mozilla/5.0' };
const EXAMPLE_USER = { type: 'user', id: '6d1f0b0e-3c41-4a52-9a0e-2f1f3e1a9b10' } as const;
const EXAMPLE_ADMIN = { type: 'admin', id: 'latchkey-admin' } as const;
const EXAMPLE_SUB = EXAMPLE_USER.id;

export const AUDIT_EVENT_CATALOGUE = {
  'login.succeeded': {
    version: 1,
    emitter: 'gateway',
    description: 'A user signed in on the login page.',
    fields: {},
    required: ['client_id', 'sub', 'session'],
    subject: 'the user (`sub`)',
    example: {
      actor: EXAMPLE_USER,
      client_id: 'web-app',
      sub: EXAMPLE_SUB,
      session: 'p2V9q5t0xk8',
      ...EXAMPLE_ORIGIN,
    },
  },
  'login.failed': {
    version: 1,
    emitter: 'gateway',
    description:
      'A sign-in was refused: wrong username or password (or a disabled account, indistinguishable by design), or too many attempts.',
    fields: {
      username_sha256: text(
        'The first 16 characters of the base64url SHA-256 of the normalised username: correlates attempts without storing what was typed (a password typed in the wrong box).',
      ),
      reason: oneOf(['invalid_credentials', 'rate_limited'], 'Why it was refused.'),
      limit: text('With rate_limited: the limit that was hit (account or address).'),
      identity_provider: text(
        'The LDAP directory that refused the password, when one has the username.',
      ),
    },
    required: ['client_id', 'username_sha256', 'reason'],
    subject: 'none',
    example: {
      actor: { type: 'anonymous' },
      client_id: 'web-app',
      username_sha256: 'Xq3c1hT0bq2LZ9fA',
      reason: 'invalid_credentials',
      ...EXAMPLE_ORIGIN,
    },
  },
  'session.started': {
    version: 1,
    emitter: 'gateway',
    description: 'An SSO session started (a successful sign-in).',
    fields: { amr: names('Authentication methods (OIDC `amr`).') },
    required: ['sub', 'session'],
    subject: 'the user (`sub`)',
    example: {
      actor: EXAMPLE_USER,
      sub: EXAMPLE_SUB,
      session: 'p2V9q5t0xk8',
      client_id: 'web-app',
      amr: ['pwd'],
      ...EXAMPLE_ORIGIN,
    },
  },
  'session.ended': {
    version: 1,
    emitter: 'gateway',
    description:
      'SSO sessions ended: a logout, a new sign-in in the same browser, an expired session found on its next use, or all of a user’s sessions (user disabled or deleted, or ended by an administrator). Sessions that simply time out unused leave the store without an event.',
    fields: {
      reason: oneOf(SESSION_END_REASONS, 'Why it ended.'),
      sessions: count('For the end of all of a user’s sessions: how many were active.'),
    },
    required: ['sub', 'reason'],
    subject: 'the user (`sub`)',
    example: {
      actor: EXAMPLE_USER,
      sub: EXAMPLE_SUB,
      session: 'p2V9q5t0xk8',
      reason: 'logout',
      ...EXAMPLE_ORIGIN,
    },
  },
  'consent.granted': {
    version: 1,
    emitter: 'gateway',
    description:
      'A user allowed a client the scopes on the consent page. Recorded in the transaction that stores the consent, after the interaction was claimed: once per decision, never for a consent that did not take effect.',
    fields: { scope: SCOPE },
    required: ['client_id', 'sub', 'scope'],
    subject: 'the user (`sub`)',
    example: {
      actor: EXAMPLE_USER,
      client_id: 'web-app',
      sub: EXAMPLE_SUB,
      scope: 'openid profile offline_access',
      ...EXAMPLE_ORIGIN,
    },
  },
  'consent.denied': {
    version: 1,
    emitter: 'gateway',
    description: 'A user refused a client on the consent page (once per decision).',
    fields: { scope: SCOPE },
    required: ['client_id', 'sub', 'scope'],
    subject: 'the user (`sub`)',
    example: {
      actor: EXAMPLE_USER,
      client_id: 'web-app',
      sub: EXAMPLE_SUB,
      scope: 'openid profile',
      ...EXAMPLE_ORIGIN,
    },
  },
  'consent.revoked': {
    version: 1,
    emitter: 'gateway',
    description:
      'A remembered consent was withdrawn (admin API), so the user is asked again next time.',
    fields: {},
    required: ['client_id', 'sub'],
    subject: 'the user (`sub`)',
    example: { actor: EXAMPLE_ADMIN, client_id: 'web-app', sub: EXAMPLE_SUB, ...EXAMPLE_ORIGIN },
  },
  'code.issued': {
    version: 1,
    emitter: 'token',
    description: 'An authorization code was issued (never the code itself).',
    fields: {
      scope: SCOPE,
      redirect_uri: text('The redirect URI the code is bound to.'),
      pkce: flag('Whether the code is bound to a PKCE challenge.'),
      resource: text('The RFC 8707 resource the code is bound to.'),
    },
    required: ['client_id', 'sub', 'scope'],
    subject: 'the user (`sub`)',
    example: {
      actor: EXAMPLE_USER,
      client_id: 'web-app',
      sub: EXAMPLE_SUB,
      session: 'p2V9q5t0xk8',
      scope: 'openid profile',
      redirect_uri: 'https://app.example.com/callback',
      pkce: true,
      ...EXAMPLE_ORIGIN,
    },
  },
  'code.redeemed': {
    version: 1,
    emitter: 'token',
    description:
      'An authorization code was redeemed at the token endpoint and started a grant (same transaction as the grant).',
    fields: {},
    required: ['client_id', 'sub', 'grant'],
    subject: 'the grant id',
    example: {
      actor: { type: 'client', id: 'web-app' },
      client_id: 'web-app',
      sub: EXAMPLE_SUB,
      session: 'p2V9q5t0xk8',
      grant: '0b6f4c1e-7d7e-4f5c-8a53-5a2f3b1c9d21',
      ...EXAMPLE_ORIGIN,
    },
  },
  'grant.created': {
    version: 1,
    emitter: 'token',
    description: 'A grant (a user’s authorization of a client) was stored.',
    fields: {
      scope: SCOPE,
      resource: text('The RFC 8707 resource of the grant.'),
      refresh_token_issued: flag('Whether the grant has a refresh token family.'),
    },
    required: ['client_id', 'sub', 'grant', 'scope'],
    subject: 'the grant id',
    example: {
      actor: EXAMPLE_USER,
      client_id: 'web-app',
      sub: EXAMPLE_SUB,
      session: 'p2V9q5t0xk8',
      grant: '0b6f4c1e-7d7e-4f5c-8a53-5a2f3b1c9d21',
      scope: 'openid profile offline_access',
      refresh_token_issued: true,
      ...EXAMPLE_ORIGIN,
    },
  },
  'token.issued': {
    version: 1,
    emitter: 'token',
    description:
      'An access token (with an ID Token and a refresh token when the grant has them) was issued: from a code, or by client_credentials.',
    fields: TOKEN_FIELDS,
    required: ['client_id', 'jti'],
    subject: 'the user (`sub`), or the client for client_credentials',
    example: {
      actor: EXAMPLE_USER,
      client_id: 'web-app',
      sub: EXAMPLE_SUB,
      grant: '0b6f4c1e-7d7e-4f5c-8a53-5a2f3b1c9d21',
      session: 'p2V9q5t0xk8',
      scope: 'openid profile',
      aud: 'https://id.example.com',
      jti: 'b6b1e2b4-2d0e-4a57-9c0f-0c1f5e6b7a88',
      refresh_token_issued: false,
      ...EXAMPLE_ORIGIN,
    },
  },
  'token.refreshed': {
    version: 1,
    emitter: 'token',
    description: 'A refresh token was exchanged: rotated, with a new access token.',
    fields: TOKEN_FIELDS,
    required: ['client_id', 'sub', 'grant', 'jti'],
    subject: 'the user (`sub`)',
    example: {
      actor: EXAMPLE_USER,
      client_id: 'web-app',
      sub: EXAMPLE_SUB,
      grant: '0b6f4c1e-7d7e-4f5c-8a53-5a2f3b1c9d21',
      scope: 'openid offline_access',
      aud: 'https://id.example.com',
      jti: '8a3c4b1d-0e9f-4d2c-a1b3-7f6e5d4c3b2a',
      refresh_token_issued: true,
      ...EXAMPLE_ORIGIN,
    },
  },
  'token.revoked': {
    version: 1,
    emitter: 'token',
    description:
      'An access token, or a grant with every token issued from it, was revoked: by its client (RFC 7009), by an administrator or the user, at logout, or because of code or refresh-token reuse.',
    fields: {
      jti: text('For an access token: its id.'),
      token_type: oneOf(['access_token', 'refresh_token'], 'The kind of token presented.'),
      reason: oneOf(
        [
          'client_revoked',
          'user_revoked',
          'grant_revoked',
          'session_ended',
          'code_reuse',
          'refresh_token_reuse',
        ],
        'Why.',
      ),
    },
    required: ['client_id', 'reason'],
    subject: 'the grant id, or the access token’s `jti`',
    example: {
      actor: { type: 'client', id: 'web-app' },
      client_id: 'web-app',
      sub: EXAMPLE_SUB,
      grant: '0b6f4c1e-7d7e-4f5c-8a53-5a2f3b1c9d21',
      reason: 'client_revoked',
      token_type: 'refresh_token',
      ...EXAMPLE_ORIGIN,
    },
  },
  'token.refresh_reuse_detected': {
    version: 1,
    emitter: 'token',
    description:
      'A rotated refresh token was presented again outside the retry window: its grant is revoked.',
    fields: {},
    required: ['client_id', 'sub', 'grant'],
    subject: 'the user (`sub`)',
    example: {
      actor: EXAMPLE_USER,
      client_id: 'web-app',
      sub: EXAMPLE_SUB,
      grant: '0b6f4c1e-7d7e-4f5c-8a53-5a2f3b1c9d21',
      ...EXAMPLE_ORIGIN,
    },
  },
  'token.code_reuse_detected': {
    version: 1,
    emitter: 'token',
    description:
      'A redeemed authorization code was presented again: the grant its first redemption started is revoked.',
    fields: {},
    required: ['client_id', 'sub', 'grant'],
    subject: 'the user (`sub`)',
    example: {
      actor: EXAMPLE_USER,
      client_id: 'web-app',
      sub: EXAMPLE_SUB,
      grant: '0b6f4c1e-7d7e-4f5c-8a53-5a2f3b1c9d21',
      ...EXAMPLE_ORIGIN,
    },
  },
  'client_authentication.failed': {
    version: 1,
    emitter: 'token',
    description:
      'A client failed to authenticate at the token, introspection or revocation endpoint (token service), or presented a bad initial or registration access token at dynamic registration (client registry, which emits it for `endpoint: registration`).',
    fields: {
      endpoint: oneOf(CLIENT_AUTH_ENDPOINTS, 'Where it failed.'),
      method: text(
        'The authentication method presented (`client_secret_basic`, `client_secret_post`, `private_key_jwt`, `none`; `initial_access_token` or `registration_access_token` at registration).',
      ),
      reason: text('Why, for the security team (the caller only ever gets invalid_client).'),
    },
    required: ['endpoint', 'method', 'reason'],
    subject: 'the claimed client id, when there is one',
    example: {
      actor: { type: 'client', id: 'web-app' },
      client_id: 'web-app',
      endpoint: 'token',
      method: 'client_secret_basic',
      reason: 'the client secret is invalid',
      ...EXAMPLE_ORIGIN,
    },
  },
  'client.created': {
    version: 1,
    emitter: 'client-registry',
    description: 'A client was registered (never its secret).',
    fields: {
      client_name: text('Its display name.'),
      grant_types: names('Its grant types.'),
      token_endpoint_auth_method: text('Its client authentication method.'),
      scope: SCOPE,
      via: VIA,
      secret_replaced: flag('Configuration only: whether the configured secret was set.'),
    },
    required: ['client_id', 'via'],
    subject: 'the client id',
    example: {
      actor: EXAMPLE_ADMIN,
      client_id: 'web-app',
      client_name: 'Web app',
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid profile offline_access',
      via: 'admin',
      ...EXAMPLE_ORIGIN,
    },
  },
  'client.updated': {
    version: 1,
    emitter: 'client-registry',
    description: 'A client’s metadata changed (the names of the changed members, not values).',
    fields: {
      changed: names('The metadata members that changed (and `disabled`).'),
      disabled: flag('Whether the client is disabled now.'),
      via: VIA,
      secret_replaced: flag('Configuration only: whether the configured secret replaced another.'),
    },
    required: ['client_id', 'via'],
    subject: 'the client id',
    example: {
      actor: EXAMPLE_ADMIN,
      client_id: 'web-app',
      changed: ['redirect_uris'],
      disabled: false,
      via: 'admin',
      ...EXAMPLE_ORIGIN,
    },
  },
  'client.deleted': {
    version: 1,
    emitter: 'client-registry',
    description: 'A client was deleted.',
    fields: { via: VIA },
    required: ['client_id', 'via'],
    subject: 'the client id',
    example: { actor: EXAMPLE_ADMIN, client_id: 'web-app', via: 'admin', ...EXAMPLE_ORIGIN },
  },
  'client.secret_rotated': {
    version: 1,
    emitter: 'client-registry',
    description: 'A client was given a new secret; the old ones live on for the grace period.',
    fields: {
      grace_period_seconds: count('How long the previous secrets keep working.'),
    },
    required: ['client_id', 'grace_period_seconds'],
    subject: 'the client id',
    example: {
      actor: EXAMPLE_ADMIN,
      client_id: 'web-app',
      grace_period_seconds: 3600,
      ...EXAMPLE_ORIGIN,
    },
  },
  'identity_provider.created': {
    version: 1,
    emitter: 'client-registry',
    description: 'An upstream identity provider was registered.',
    fields: { identity_provider: text('The identity provider’s id.') },
    required: ['identity_provider'],
    subject: 'the identity provider id',
    example: { actor: EXAMPLE_ADMIN, identity_provider: 'acme-sso', ...EXAMPLE_ORIGIN },
  },
  'identity_provider.updated': {
    version: 1,
    emitter: 'client-registry',
    description: 'An upstream identity provider changed.',
    fields: {
      identity_provider: text('The identity provider’s id.'),
      client_secret_changed: flag('Whether its client secret was set, replaced or removed.'),
    },
    required: ['identity_provider'],
    subject: 'the identity provider id',
    example: {
      actor: EXAMPLE_ADMIN,
      identity_provider: 'acme-sso',
      client_secret_changed: false,
      ...EXAMPLE_ORIGIN,
    },
  },
  'identity_provider.deleted': {
    version: 1,
    emitter: 'client-registry',
    description: 'An upstream identity provider was deleted.',
    fields: { identity_provider: text('The identity provider’s id.') },
    required: ['identity_provider'],
    subject: 'the identity provider id',
    example: { actor: EXAMPLE_ADMIN, identity_provider: 'acme-sso', ...EXAMPLE_ORIGIN },
  },
  'upstream_login.succeeded': {
    version: 1,
    emitter: 'gateway',
    description: 'A user signed in through an upstream identity provider or an LDAP directory.',
    fields: {
      identity_provider: text('The identity provider’s id.'),
      outcome: oneOf(
        ['signed_in', 'provisioned', 'linked'],
        'Whether the local user existed, was provisioned now, or was linked now.',
      ),
    },
    required: ['identity_provider', 'sub'],
    subject: 'the user (`sub`)',
    example: {
      actor: EXAMPLE_USER,
      identity_provider: 'acme-sso',
      client_id: 'web-app',
      sub: EXAMPLE_SUB,
      session: 'p2V9q5t0xk8',
      outcome: 'signed_in',
      ...EXAMPLE_ORIGIN,
    },
  },
  'upstream_login.failed': {
    version: 1,
    emitter: 'gateway',
    description:
      'A sign-in through an upstream identity provider or an LDAP directory was refused (state, nonce, issuer, audience, signature, an unreachable upstream or directory...). No session was made.',
    fields: {
      identity_provider: text('The identity provider’s id.'),
      reason: text('Why, as a short code.'),
    },
    required: ['identity_provider', 'reason'],
    subject: 'the identity provider id',
    example: {
      actor: { type: 'anonymous' },
      identity_provider: 'acme-sso',
      client_id: 'web-app',
      reason: 'nonce_mismatch',
      ...EXAMPLE_ORIGIN,
    },
  },
  'user.provisioned': {
    version: 1,
    emitter: 'gateway',
    description: 'A local user was created for an upstream identity at its first sign-in.',
    fields: { identity_provider: text('The identity provider’s id.') },
    required: ['identity_provider', 'sub'],
    subject: 'the user (`sub`)',
    example: {
      actor: EXAMPLE_USER,
      identity_provider: 'acme-sso',
      client_id: 'web-app',
      sub: EXAMPLE_SUB,
      ...EXAMPLE_ORIGIN,
    },
  },
  'user.linked': {
    version: 1,
    emitter: 'gateway',
    description:
      'An upstream identity was linked to an existing local user by the provider’s verified-email rule.',
    fields: { identity_provider: text('The identity provider’s id.') },
    required: ['identity_provider', 'sub'],
    subject: 'the user (`sub`)',
    example: {
      actor: EXAMPLE_USER,
      identity_provider: 'acme-sso',
      client_id: 'web-app',
      sub: EXAMPLE_SUB,
      ...EXAMPLE_ORIGIN,
    },
  },
  'resource.created': {
    version: 1,
    emitter: 'client-registry',
    description: 'An API resource (RFC 8707) was registered.',
    fields: {
      resource: text('The resource identifier (a URI).'),
      name: text('Its display name.'),
      scopes: names('Its scopes.'),
    },
    required: ['resource'],
    subject: 'the resource identifier',
    example: {
      actor: EXAMPLE_ADMIN,
      resource: 'https://api.example.com',
      name: 'Example API',
      scopes: ['read', 'write'],
      ...EXAMPLE_ORIGIN,
    },
  },
  'resource.updated': {
    version: 1,
    emitter: 'client-registry',
    description: 'An API resource changed.',
    fields: {
      resource: text('The resource identifier (a URI).'),
      changed: names('The members that changed.'),
      scopes: names('Its scopes now.'),
    },
    required: ['resource'],
    subject: 'the resource identifier',
    example: {
      actor: EXAMPLE_ADMIN,
      resource: 'https://api.example.com',
      changed: ['scopes'],
      scopes: ['read', 'write', 'admin'],
      ...EXAMPLE_ORIGIN,
    },
  },
  'resource.deleted': {
    version: 1,
    emitter: 'client-registry',
    description: 'An API resource was deleted.',
    fields: { resource: text('The resource identifier (a URI).') },
    required: ['resource'],
    subject: 'the resource identifier',
    example: { actor: EXAMPLE_ADMIN, resource: 'https://api.example.com', ...EXAMPLE_ORIGIN },
  },
  'user.created': {
    version: 1,
    emitter: 'gateway',
    description: 'A user account was created (never its password).',
    fields: { username: text('The username, as stored.') },
    required: ['sub', 'username'],
    subject: 'the user (`sub`)',
    example: { actor: EXAMPLE_ADMIN, sub: EXAMPLE_SUB, username: 'alice', ...EXAMPLE_ORIGIN },
  },
  'user.updated': {
    version: 1,
    emitter: 'gateway',
    description: 'A user account changed (the names of the changed members, not values).',
    fields: {
      changed: names('The members that changed (`password` when it was replaced).'),
    },
    required: ['sub', 'changed'],
    subject: 'the user (`sub`)',
    example: { actor: EXAMPLE_ADMIN, sub: EXAMPLE_SUB, changed: ['email'], ...EXAMPLE_ORIGIN },
  },
  'user.disabled': {
    version: 1,
    emitter: 'gateway',
    description:
      'A user account was disabled: no sign-in from now on; their sessions and grants are being ended.',
    fields: {},
    required: ['sub'],
    subject: 'the user (`sub`)',
    example: { actor: EXAMPLE_ADMIN, sub: EXAMPLE_SUB, ...EXAMPLE_ORIGIN },
  },
  'user.deleted': {
    version: 1,
    emitter: 'gateway',
    description: 'A user account was deleted, after its sessions and grants were ended.',
    fields: {},
    required: ['sub'],
    subject: 'the user (`sub`)',
    example: { actor: EXAMPLE_ADMIN, sub: EXAMPLE_SUB, ...EXAMPLE_ORIGIN },
  },
  'admin_login.succeeded': {
    version: 1,
    emitter: 'token',
    description:
      'A client obtained an access token with the `admin` scope (client_credentials): the start of an admin API session.',
    fields: { scope: SCOPE, jti: text('The access token’s id (`jti`).') },
    required: ['client_id', 'jti'],
    subject: 'the admin client id',
    example: {
      actor: EXAMPLE_ADMIN,
      client_id: 'latchkey-admin',
      scope: 'admin',
      jti: 'c3d2e1f0-1a2b-4c3d-8e4f-5a6b7c8d9e0f',
      ...EXAMPLE_ORIGIN,
    },
  },
  'admin_access.denied': {
    version: 1,
    emitter: 'gateway',
    description:
      'The admin API refused a request: no or a bad bearer token (invalid_token), or a token without the `admin` scope (insufficient_scope).',
    fields: {
      reason: oneOf(['invalid_token', 'insufficient_scope'], 'The error answered.'),
      method: text('The HTTP method.'),
      path: text('The request path (no query).'),
    },
    required: ['reason', 'method', 'path'],
    subject: 'the client id of a token without the admin scope, when known',
    example: {
      actor: { type: 'anonymous' },
      reason: 'invalid_token',
      method: 'GET',
      path: '/admin/users',
      ...EXAMPLE_ORIGIN,
    },
  },
  'key.rotated': {
    version: 1,
    emitter: 'token',
    description: 'A new signing key was published; it signs from `activates_at`.',
    fields: {
      alg: text('The key’s JWS algorithm.'),
      kid: text('The new key’s id.'),
      previous_kid: text('The key it replaces.'),
      activates_at: text('When it starts signing (RFC 3339).'),
      trigger: oneOf(['on_demand', 'scheduled'], 'An admin request, or the rotation schedule.'),
    },
    required: ['alg', 'kid', 'activates_at', 'trigger'],
    subject: 'the new key id',
    example: {
      actor: EXAMPLE_ADMIN,
      alg: 'RS256',
      kid: 'k-2026-12-03',
      previous_kid: 'k-2026-11-03',
      activates_at: '2026-12-03T16:05:00.000Z',
      trigger: 'on_demand',
      ...EXAMPLE_ORIGIN,
    },
  },
  'backchannel_logout.failed': {
    version: 1,
    emitter: 'gateway',
    description: 'A back-channel logout token could not be delivered to a client and was given up.',
    fields: {
      attempts: count('How many deliveries were tried.'),
      reason: text('The last failure.'),
    },
    required: ['client_id', 'attempts', 'reason'],
    subject: 'the client id',
    example: {
      actor: { type: 'service', id: 'gateway' },
      client_id: 'web-app',
      attempts: 5,
      reason: 'HTTP 503',
    },
  },
} as const satisfies Record<string, AuditEventDefinition>;

/** Types renamed for consistency: the old name, and the name events carry since then. */
export const AUDIT_EVENT_RENAMES: Readonly<Record<string, string>> = {
  'client.authentication_failed': 'client_authentication.failed',
  'logout.backchannel_failed': 'backchannel_logout.failed',
};
