import { isRetrySafeSubject, RETRY_SAFE_SUBJECTS } from './retry-safe-subjects';
import {
  AuditSubjects,
  ClientSubjects,
  ResourceSubjects,
  TokenSubjects,
  UserSubjects,
} from './subjects';

describe('subjects safe to send again after "no responders"', () => {
  it.each([
    ['the token endpoint (code redemption)', TokenSubjects.Request],
    ['code issuance', TokenSubjects.IssueCode],
    ['key rotation', TokenSubjects.RotateKeys],
    ['client creation', ClientSubjects.Create],
    ['dynamic registration', ClientSubjects.Register],
    ['secret rotation', ClientSubjects.RotateSecret],
    ['resource creation', ResourceSubjects.Create],
    ['audit ingestion', AuditSubjects.Ingest],
  ])('never include %s', (_what, subject) => {
    expect(isRetrySafeSubject(subject)).toBe(false);
  });

  it.each([
    TokenSubjects.Introspect,
    TokenSubjects.Revoke,
    TokenSubjects.Jwks,
    ClientSubjects.Get,
    ClientSubjects.Update,
    UserSubjects.TokenClaims,
    AuditSubjects.Query,
  ])('include the read or idempotent %s', (subject) => {
    expect(isRetrySafeSubject(subject)).toBe(true);
  });

  it('name only subjects of the contract', () => {
    for (const subject of RETRY_SAFE_SUBJECTS) expect(subject).toMatch(/^[a-z_]+(\.[a-z_]+)+$/);
  });
});
