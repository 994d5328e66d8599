import type { AuditEvent } from './audit.messages';
import {
  auditKeyRing,
  auditSigningKeyFromSeed,
  auditVerificationKey,
  auditVerificationKeyOf,
  generateAuditSigningKey,
  signAuditEvent,
  verifyAuditEventSignature,
} from './audit-signature';

const event: AuditEvent = {
  specversion: '1.0',
  id: '0b6f1f0e-6a4e-4c55-9f7e-1f2d3c4b5a69',
  source: 'token',
  type: 'token.issued',
  time: '2026-01-02T03:04:05.000Z',
  subject: 'client-1',
  datacontenttype: 'application/json',
  data: { client_id: 'client-1', scope: 'openid' },
};

describe('audit event signatures', () => {
  const pair = generateAuditSigningKey();
  const key = auditSigningKeyFromSeed('token', pair.seed);
  const ring = auditKeyRing([auditVerificationKey('token', pair.publicKey)]);

  it('derives the same key id from the private and the public half', () => {
    expect(auditVerificationKeyOf(key)).toMatchObject({ kid: key.kid, x: pair.publicKey });
  });

  it('verifies a signed event, whatever the order of its members', () => {
    const signed = signAuditEvent(event, key);
    expect(signed.sigkid).toBe(key.kid);
    expect(signed.sig).toMatch(/^[\w-]{86}$/);
    const reordered = Object.fromEntries(Object.entries(signed).reverse());
    expect(verifyAuditEventSignature(reordered, ring)).toMatchObject({ valid: true });
  });

  it('accepts a source URI that ends in the key’s service', () => {
    const signed = signAuditEvent({ ...event, source: 'https://id.example/token' }, key);
    expect(verifyAuditEventSignature(signed, ring).valid).toBe(true);
  });

  it('refuses an unsigned event', () => {
    expect(verifyAuditEventSignature({ ...event }, ring)).toEqual({
      valid: false,
      problem: 'unsigned',
    });
  });

  it('refuses a key it does not know', () => {
    const other = auditSigningKeyFromSeed('token', generateAuditSigningKey().seed);
    expect(verifyAuditEventSignature(signAuditEvent(event, other), ring)).toEqual({
      valid: false,
      problem: 'unknown_key',
    });
  });

  it('refuses a key used for another service’s events', () => {
    const signed = signAuditEvent({ ...event, source: 'gateway' }, key);
    expect(verifyAuditEventSignature(signed, ring)).toEqual({
      valid: false,
      problem: 'wrong_source',
    });
  });

  it.each([
    ['data', { data: { client_id: 'client-2', scope: 'openid' } }],
    ['type', { type: 'login.succeeded' }],
    ['an added member', { requestid: 'r-1' }],
    ['the key id', { sigkid: 'A'.repeat(43) }],
  ])('refuses an event whose %s changed after signing', (_what, change) => {
    const signed = { ...signAuditEvent(event, key), ...change };
    const verdict = verifyAuditEventSignature(signed, ring);
    expect(verdict.valid).toBe(false);
  });

  it('replaces an earlier signature when signing again', () => {
    const twice = signAuditEvent(signAuditEvent(event, key), key);
    expect(verifyAuditEventSignature(twice, ring).valid).toBe(true);
  });

  it('refuses malformed key material', () => {
    expect(() => auditSigningKeyFromSeed('token', 'short')).toThrow(TypeError);
    expect(() => auditVerificationKey('token', 'x'.repeat(44))).toThrow(TypeError);
  });
});
