import { expect } from '@jest/globals';
import {
  AUDIT_EVENT_TYPE_FORMAT,
  AUDIT_EVENT_TYPES,
  AuditSubjects,
  auditStreamSubjects,
  auditSubject,
  type AuditEventType,
} from '@latchkey/contracts';
import { isDeniedAuditKey, sanitizeAuditData, sanitizeAuditString } from './audit-data.sanitizer';
import { buildAuditEvent, MAX_AUDIT_EVENT_BYTES } from './audit-event.builder';
import { RecordingAuditClient } from '@latchkey/testing';

const INSTALLATION = { issuer: 'https://id.example.com', service: 'token' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('buildAuditEvent', () => {
  it('builds a CloudEvents 1.0 JSON event with a fresh uuid and the time', () => {
    const { event, removed } = buildAuditEvent({
      issuer: 'https://id.example.com/',
      service: 'token',
      type: 'token.issued',
      subject: 'client-1',
      data: { client_id: 'client-1', scope: 'orders:read', ip: '203.0.113.9' },
      time: new Date('2030-01-02T03:04:05.678Z'),
      requestId: 'req-1',
    });
    expect(event).toEqual({
      specversion: '1.0',
      id: expect.stringMatching(UUID),
      source: 'https://id.example.com/token',
      type: 'token.issued',
      time: '2030-01-02T03:04:05.678Z',
      subject: 'client-1',
      datacontenttype: 'application/json',
      dataschema: 'urn:latchkey:audit-event:token.issued:v1',
      issuer: 'https://id.example.com/',
      data: {
        actor: { type: 'client', id: 'client-1' },
        client_id: 'client-1',
        scope: 'orders:read',
        ip: '203.0.113.9',
      },
      requestid: 'req-1',
    });
    expect(removed).toEqual([]);
    const again = buildAuditEvent({ ...INSTALLATION, type: 'token.issued', data: {} });
    expect(again.event.id).not.toBe(event.id);
    expect(again.event).not.toHaveProperty('subject');
    expect(again.event).not.toHaveProperty('requestid');
  });

  it('refuses a type that is not in the contract', () => {
    expect(() =>
      buildAuditEvent({ ...INSTALLATION, type: 'token.minted' as AuditEventType, data: {} }),
    ).toThrow(new TypeError('unknown audit event type "token.minted"'));
  });

  it('knows every type of the catalogue, each <noun>.<verb> so the stream filter audit.*.* takes it', () => {
    expect(AUDIT_EVENT_TYPES.length).toBeGreaterThanOrEqual(31);
    for (const type of AUDIT_EVENT_TYPES) expect(type).toMatch(AUDIT_EVENT_TYPE_FORMAT);
  });

  it("names the actor: the explicit one, the request's, the user, the client, else the service", () => {
    const actorOf = (input: Partial<Parameters<typeof buildAuditEvent>[0]>) =>
      buildAuditEvent({ ...INSTALLATION, type: 'token.issued', data: {}, ...input }).event.data
        .actor;
    const admin = { type: 'admin', id: 'ops' } as const;
    expect(actorOf({ data: { sub: 'u', client_id: 'c' } })).toEqual({ type: 'user', id: 'u' });
    expect(actorOf({ data: { client_id: 'c' } })).toEqual({ type: 'client', id: 'c' });
    expect(actorOf({})).toEqual({ type: 'service', id: 'token' });
    expect(actorOf({ data: { sub: 'u' }, context: { actor: admin } })).toEqual(admin);
    expect(
      actorOf({ data: { sub: 'u' }, actor: { type: 'anonymous' }, context: { actor: admin } }),
    ).toEqual({ type: 'anonymous' });
  });

  it("takes the request's address and user agent unless the data names its own", () => {
    const context = { ip: '198.51.100.1', userAgent: 'curl/8' };
    const fromContext = buildAuditEvent({
      ...INSTALLATION,
      type: 'token.issued',
      data: {},
      context,
    });
    expect(fromContext.event.data).toMatchObject({ ip: '198.51.100.1', user_agent: 'curl/8' });
    const own = buildAuditEvent({
      ...INSTALLATION,
      type: 'token.issued',
      data: { ip: '203.0.113.5' },
      context,
    });
    expect(own.event.data).toMatchObject({ ip: '203.0.113.5', user_agent: 'curl/8' });
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
    expect(() => buildAuditEvent({ ...INSTALLATION, type: 'login.failed', data })).toThrow(
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
    expect(event.source).toBe('https://id.example.test/client-registry');
    expect(event.data).toEqual({ actor: { type: 'client', id: 'app' }, client_id: 'app' });
  });
});
