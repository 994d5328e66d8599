import { auditExampleEvents } from '@latchkey/contracts';
import { buildAuditEvent } from './audit-event.builder';
import { checkAuditEventSchema } from './audit-event.validator';

const INSTALLATION = { issuer: 'https://id.example.com', service: 'token' };

describe('checkAuditEventSchema', () => {
  it.each(auditExampleEvents().map((event) => [event.type, event]))(
    'accepts the documented example of %s',
    (_type, event) => {
      expect(checkAuditEventSchema(event)).toEqual({ kind: 'valid' });
    },
  );

  it('accepts what the audit client builds', () => {
    const { event } = buildAuditEvent({
      ...INSTALLATION,
      type: 'token.issued',
      data: { client_id: 'app', jti: 'j-1', ip: '203.0.113.9' },
      context: { userAgent: 'curl/8' },
      requestId: 'req-1',
    });
    expect(checkAuditEventSchema(event)).toEqual({ kind: 'valid' });
  });

  it('refuses a missing required member, an undocumented one, a bad actor or envelope', () => {
    const { event } = buildAuditEvent({
      ...INSTALLATION,
      type: 'token.issued',
      data: { client_id: 'app', jti: 'j-1' },
    });
    const variants: unknown[] = [
      { ...event, data: { ...event.data, jti: undefined } },
      { ...event, data: { ...event.data, password_hint: 'x' } },
      { ...event, data: { ...event.data, actor: { type: 'root' } } },
      { ...event, issuer: undefined },
      { ...event, type: 'token.revoked' },
    ].map((variant): unknown => JSON.parse(JSON.stringify(variant)));
    for (const variant of variants) {
      expect(checkAuditEventSchema(variant)).toMatchObject({ kind: 'invalid' });
    }
  });

  it('leaves an event without a known schema to the caller (a newer emitter, an older one)', () => {
    const { event } = buildAuditEvent({ ...INSTALLATION, type: 'token.issued', data: {} });
    expect(checkAuditEventSchema({ ...event, dataschema: undefined })).toEqual({ kind: 'unknown' });
    expect(
      checkAuditEventSchema({ ...event, dataschema: 'urn:latchkey:audit-event:token.issued:v9' }),
    ).toEqual({ kind: 'unknown' });
  });
});
