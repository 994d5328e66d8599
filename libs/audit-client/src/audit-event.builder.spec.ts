import { expect } from '@jest/globals';
import {
  AUDIT_EVENT_TYPES,
  AuditSubjects,
  auditStreamSubjects,
  auditSubject,
  type AuditEventType,
} from '@latchkey/contracts';
import { isDeniedAuditKey, sanitizeAuditData, sanitizeAuditString } from './audit-data.sanitizer';
import { buildAuditEvent, MAX_AUDIT_EVENT_BYTES } from './audit-event.builder';
import { RecordingAuditClient } from '@latchkey/testing';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('buildAuditEvent', () => {
  it('builds a CloudEvents 1.0 JSON event with a fresh uuid and the time', () => {
    const { event, removed } = buildAuditEvent({
      source: 'token',
      type: 'token.issued',
      subject: 'client-1',
      data: { client_id: 'client-1', scope: 'orders:read', ip: '203.0.113.9' },
      time: new Date('2030-01-02T03:04:05.678Z'),
      requestId: 'req-1',
    });
    expect(event).toEqual({
      specversion: '1.0',
      id: expect.stringMatching(UUID),
      source: 'token',
      type: 'token.issued',
      time: '2030-01-02T03:04:05.678Z',
      subject: 'client-1',
      datacontenttype: 'application/json',
      data: { client_id: 'client-1', scope: 'orders:read', ip: '203.0.113.9' },
      requestid: 'req-1',
    });
    expect(removed).toEqual([]);
    const again = buildAuditEvent({ source: 'token', type: 'token.issued', data: {} });
    expect(again.event.id).not.toBe(event.id);
    expect(again.event).not.toHaveProperty('subject');
    expect(again.event).not.toHaveProperty('requestid');
  });

  it('refuses a type that is not in the contract', () => {
    expect(() =>
      buildAuditEvent({ source: 'token', type: 'token.minted' as AuditEventType, data: {} }),
    ).toThrow(new TypeError('unknown audit event type "token.minted"'));
  });

  it('knows every type of docs/architecture.md §6, each <noun>.<verb> so the stream filter audit.*.* takes it', () => {
    expect(AUDIT_EVENT_TYPES).toHaveLength(21);
    for (const type of AUDIT_EVENT_TYPES) expect(type.split('.')).toHaveLength(2);
  });

  it('keeps the audit service request subjects out of the stream: audit.*.* takes three tokens', () => {
    expect(auditStreamSubjects()).toEqual(['audit.*.*']);
    expect(auditSubject('token.issued')).toBe('audit.token.issued');
    for (const subject of Object.values(AuditSubjects)) {
      expect(subject.startsWith('audit.')).toBe(true);
      expect(subject.split('.')).toHaveLength(2);
    }
  });

  it('refuses an event too large to be about identifiers', () => {
    const data = {
      note: 'x'.repeat(1000),
      list: Array.from({ length: 20 }, () => 'y'.repeat(1000)),
    };
    expect(() => buildAuditEvent({ source: 'gateway', type: 'login.failed', data })).toThrow(
      RangeError,
    );
    expect(MAX_AUDIT_EVENT_BYTES).toBe(16 * 1024);
  });
});

describe('credentials in event data', () => {
  it('strips every denied key at any depth, case-insensitively, and reports their paths only', () => {
    const { data, removed } = sanitizeAuditData({
      client_id: 'app',
      client_secret: 'the-secret',
      Password: 'hunter2',
      code: 'the-code',
      nested: {
        refresh_token: 'rt',
        keep: 'yes',
        list: [{ id_token: 'eyJ', code_verifier: 'v', fine: 1 }],
      },
      new_password: 'p2',
      logout_token: 'lt',
      registration_access_token: 'rat',
      ASSERTION: 'jwt',
      code_challenge: 'not a secret',
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expect(data).toEqual({
      client_id: 'app',
      nested: { keep: 'yes', list: [{ fine: 1 }] },
      code_challenge: 'not a secret',
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expect(removed).toEqual([
      'client_secret',
      'Password',
      'code',
      'nested.refresh_token',
      'nested.list[0].id_token',
      'nested.list[0].code_verifier',
      'new_password',
      'logout_token',
      'registration_access_token',
      'ASSERTION',
    ]);
    expect(JSON.stringify({ data, removed })).not.toMatch(/hunter2|the-secret|the-code|rt"|eyJ/);
  });

  it.each([
    'password',
    'secret',
    'client_secret',
    'code',
    'token',
    'access_token',
    'refresh_token',
    'id_token',
    'assertion',
    'code_verifier',
    'authorization',
    'cookie',
    'initial_access_token',
  ])('denies %s', (key) => {
    expect(isDeniedAuditKey(key)).toBe(true);
  });

  it.each([
    'client_id',
    'sub',
    'session',
    'grant',
    'jti',
    'scope',
    'reason',
    'token_type',
    'codes',
  ])('allows %s', (key) => {
    expect(isDeniedAuditKey(key)).toBe(false);
  });

  it('makes strings storable in jsonb and bounded', () => {
    expect(sanitizeAuditString('a\u0000b')).toBe('a\uFFFDb');
    expect(sanitizeAuditString('lone \uD800 high, lone \uDC00 low, pair 😀')).toBe(
      'lone \uFFFD high, lone \uFFFD low, pair 😀',
    );
    const long = sanitizeAuditString('u'.repeat(5000));
    expect(long).toHaveLength(1024);
    expect(long.endsWith('…')).toBe(true);
  });

  it('keeps JSON only: drops undefined, writes dates as ISO strings, refuses the rest', () => {
    expect(
      sanitizeAuditData({ a: undefined, at: new Date('2030-01-01T00:00:00Z'), n: NaN }).data,
    ).toEqual({ at: '2030-01-01T00:00:00.000Z', n: null });
    expect(() => sanitizeAuditData({ big: 1n })).toThrow(
      new TypeError('audit event data at big is not JSON (bigint)'),
    );
    expect(() => sanitizeAuditData('text')).toThrow(
      new TypeError('audit event data must be a plain object'),
    );
  });
});

describe('RecordingAuditClient', () => {
  it('records what the real client would write, sanitised the same way', async () => {
    const audit = new RecordingAuditClient('client-registry');
    const event = await audit.record('client.created', {
      subject: 'app',
      data: { client_id: 'app', client_secret: 'shown-once' },
    });
    expect(audit.ofType('client.created')).toEqual([event]);
    expect(event.source).toBe('client-registry');
    expect(event.data).toEqual({ client_id: 'app' });
  });
});
