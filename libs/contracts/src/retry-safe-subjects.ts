import {
  AuditSubjects,
  ClaimScopeSubjects,
  ClientSubjects,
  IdentityProviderSubjects,
  ResourceSubjects,
  TokenSubjects,
  UserSubjects,
} from './subjects';

/**
 * Request subjects that a caller may send again when NATS answered "no responders": nobody was
 * subscribed at that moment (a rolling restart between one replica leaving and the next joining),
 * so the first message reached no handler. Only reads and idempotent changes are listed, whose
 * repetition cannot do anything the first one would not have: if a stale subscription ever
 * delivered the first copy after all, the second changes nothing more.
 *
 * Never listed: `token.request` (it redeems authorization codes, which are single use: a second
 * redemption revokes everything issued from the first, RFC 6749 §4.1.2), code issuance, key
 * rotation, client creation and registration, secret rotation, and audit ingestion, each of which
 * would happen twice. Part of the wire contract: a subject added here must stay safe to repeat.
 */
export const RETRY_SAFE_SUBJECTS: ReadonlySet<string> = new Set<string>([
  TokenSubjects.Jwks,
  TokenSubjects.ValidateAccessToken,
  TokenSubjects.Introspect,
  // RFC 7009 §2.2: revoking a revoked or unknown token succeeds; revoking twice is revoking once.
  TokenSubjects.Revoke,
  TokenSubjects.RevokeUserGrants,
  TokenSubjects.RevokeGrant,
  TokenSubjects.EndSession,
  TokenSubjects.ListUserGrants,
  ClientSubjects.Get,
  ClientSubjects.CorsOrigins,
  ClientSubjects.List,
  // A merge patch applied twice gives the same record; deleting twice deletes once.
  ClientSubjects.Update,
  ClientSubjects.Delete,
  ResourceSubjects.Get,
  ResourceSubjects.List,
  ResourceSubjects.All,
  ResourceSubjects.Update,
  ResourceSubjects.Delete,
  IdentityProviderSubjects.Get,
  IdentityProviderSubjects.List,
  IdentityProviderSubjects.Enabled,
  ClaimScopeSubjects.Get,
  ClaimScopeSubjects.List,
  ClaimScopeSubjects.All,
  UserSubjects.TokenClaims,
  AuditSubjects.Query,
  AuditSubjects.Verify,
  AuditSubjects.Export,
  AuditSubjects.Checkpoints,
  AuditSubjects.Keys,
]);

/** True when a request on `subject` may be sent again after "no responders" (see above). */
export function isRetrySafeSubject(subject: string): boolean {
  return RETRY_SAFE_SUBJECTS.has(subject);
}
