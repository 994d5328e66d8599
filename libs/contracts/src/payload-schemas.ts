import {
  boolean,
  formParams,
  id,
  integer,
  json,
  list,
  NO_PAYLOAD,
  object,
  oneOf,
  optional,
  READ_BY_HANDLER,
  text,
  type PayloadRule,
} from './payload-rules';
import {
  AuditSubjects,
  BroadcastEvents,
  ClaimScopeSubjects,
  ClientSubjects,
  IdentityProviderSubjects,
  ResourceSubjects,
  TokenSubjects,
  UserSubjects,
} from './subjects';

/** token.request, token.revoke, token.introspect: the form and the credentials, as received. */
const TOKEN_ENDPOINT_REQUEST = {
  params: formParams(),
  authorization: optional(text()),
  ip: optional(text(512)),
  user_agent: optional(text()),
};

const PAGE = { limit: optional(integer()), cursor: optional(text()) };

/**
 * The one rule per subject that the bus server applies to every payload before its handler runs
 * (libs/transport `PayloadValidationInterceptor`). A subject without a rule here is refused, so
 * a new handler cannot go unchecked. Part of the wire contract, like the subjects.
 */
export const PAYLOAD_RULES: Readonly<Record<string, PayloadRule>> = {
  [TokenSubjects.Jwks]: NO_PAYLOAD,
  [ClientSubjects.CorsOrigins]: NO_PAYLOAD,
  [TokenSubjects.RotateKeys]: NO_PAYLOAD,
  [TokenSubjects.Request]: object(TOKEN_ENDPOINT_REQUEST),
  [TokenSubjects.Revoke]: object(TOKEN_ENDPOINT_REQUEST),
  [TokenSubjects.Introspect]: object({ ...TOKEN_ENDPOINT_REQUEST, want_jwt: optional(boolean()) }),
  [TokenSubjects.IssueCode]: object({
    client_id: id(),
    redirect_uri: text(),
    redirect_uri_explicit: optional(boolean()),
    scope: text(),
    code_challenge: optional(text()),
    code_challenge_method: optional(text()),
    nonce: optional(text()),
    sub: id(),
    auth_time: integer(),
    sid: id(),
    amr: optional(list(text(256))),
    acr: optional(text()),
    idp: optional(id()),
    resource: optional(text()),
    claims: optional(text()),
  }),
  [TokenSubjects.ValidateAccessToken]: READ_BY_HANDLER,
  [TokenSubjects.RevokeUserGrants]: object({ sub: id() }),
  [TokenSubjects.ListUserGrants]: object({ sub: id() }),
  [TokenSubjects.RevokeGrant]: object({ grant_id: id(), sub: optional(id()) }),
  [TokenSubjects.EndSession]: object({ sid: id(), sub: id() }),

  [ClientSubjects.Get]: object({ client_id: id() }),
  [ClientSubjects.Create]: object({ metadata: json(), client_id: optional(id()) }),
  [ClientSubjects.List]: object(PAGE),
  [ClientSubjects.Update]: object({ client_id: id(), patch: json() }),
  [ClientSubjects.Delete]: object({ client_id: id() }),
  [ClientSubjects.RotateSecret]: object({
    client_id: id(),
    grace_period_seconds: optional(integer()),
  }),
  // The initial and registration access tokens are left to the registry: whatever is wrong with
  // one is its invalid_token (RFC 7591 §3, RFC 7592 §2), never invalid_request.
  [ClientSubjects.Register]: object({ metadata: json() }),
  [ClientSubjects.CreateInitialAccessToken]: object({
    expires_in: optional(integer()),
    max_uses: optional(integer()),
    scope: optional(text()),
    grant_types: optional(list(text(256))),
    default_resource: optional(text()),
  }),
  [ClientSubjects.ManageRegistration]: object({
    client_id: id(),
    action: oneOf(['read', 'update', 'delete']),
    metadata: optional(json()),
  }),

  [ResourceSubjects.Create]: object({ resource: json() }),
  [ResourceSubjects.Get]: object({ identifier: id() }),
  [ResourceSubjects.List]: object(PAGE),
  [ResourceSubjects.Update]: object({ identifier: id(), patch: json() }),
  [ResourceSubjects.Delete]: object({ identifier: id() }),
  [ResourceSubjects.All]: NO_PAYLOAD,

  [ClaimScopeSubjects.Create]: object({ scope: json() }),
  [ClaimScopeSubjects.Get]: object({ name: id() }),
  [ClaimScopeSubjects.List]: object(PAGE),
  [ClaimScopeSubjects.Update]: object({ name: id(), patch: json() }),
  [ClaimScopeSubjects.Delete]: object({ name: id() }),
  [ClaimScopeSubjects.All]: NO_PAYLOAD,

  [UserSubjects.TokenClaims]: object({
    sub: id(),
    client_id: id(),
    scope: text(),
    scope_claims_in_id_token: boolean(),
    claims_request: optional(text()),
  }),

  [IdentityProviderSubjects.Create]: object({ provider: json() }),
  [IdentityProviderSubjects.Get]: object({ id: id() }),
  [IdentityProviderSubjects.List]: object(PAGE),
  [IdentityProviderSubjects.Update]: object({ id: id(), patch: json() }),
  [IdentityProviderSubjects.Delete]: object({ id: id() }),
  [IdentityProviderSubjects.Enabled]: NO_PAYLOAD,

  [AuditSubjects.Ingest]: object({ id: id(), type: id(), data: optional(json()) }),
  [AuditSubjects.Query]: object({
    type: optional(text()),
    subject: optional(text()),
    client_id: optional(text()),
    sub: optional(text()),
    since: optional(text()),
    until: optional(text()),
    ...PAGE,
  }),
  [AuditSubjects.Verify]: object({
    from_seq: optional(integer()),
    to_seq: optional(integer()),
  }),
  [AuditSubjects.Export]: object({
    after_seq: optional(integer()),
    type: optional(text()),
    subject: optional(text()),
    client_id: optional(text()),
    ...PAGE,
  }),
  [AuditSubjects.Checkpoints]: object(PAGE),
  [AuditSubjects.Keys]: NO_PAYLOAD,

  // Events: an event that breaks its rule reaches its handler as no event at all (undefined).
  [BroadcastEvents.ClientChanged]: object({
    client_id: id(),
    change: oneOf(['created', 'updated', 'deleted', 'secret_rotated']),
  }),
  [BroadcastEvents.ResourceChanged]: object({
    identifier: id(),
    change: oneOf(['created', 'updated', 'deleted']),
  }),
  [BroadcastEvents.ClaimScopeChanged]: object({
    name: id(),
    change: oneOf(['created', 'updated', 'deleted']),
  }),
  [BroadcastEvents.IdentityProviderChanged]: object({
    id: id(),
    change: oneOf(['created', 'updated', 'deleted']),
  }),
};
