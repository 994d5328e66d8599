import { KV_TOKEN, MemoryKvStore } from '@latchkey/kv';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  type AuditQueryResponse,
  AuditSubjects,
  type AuditVerifyResponse,
  TokenSubjects,
  ClientSubjects,
} from '@latchkey/contracts';
import { InvalidRequest, TemporarilyUnavailable } from '@latchkey/oauth';
import request from 'supertest';
import { AuditClient } from '@latchkey/audit-client';
import { ERROR_DESCRIPTION_CHARSET, oauthErrorBody, RecordingAuditClient } from '@latchkey/testing';
import { AccessTokenVerifier } from '../auth/access-token.verifier';
import { AdminGuard } from '../auth/admin.guard';
import {
  jwksOf,
  signAccessToken,
  TEST_ISSUER,
  testKey,
  type TestKey,
  tokenClientLookup,
} from '../fixtures/access-token.fixture';
import { FakeBus } from '../fixtures/fake-bus.fixture';
import { startHttpApp } from '../fixtures/http-app.fixture';
import { JwksService } from '../well-known/jwks.service';
import { AdminAuditController } from './audit.controller';
import { AdminAuditService } from './audit.service';
import { AUDIT_STREAM_CONFIG, AuditStreamService } from './audit-stream.service';

const PAGE: AuditQueryResponse = {
  items: [
    {
      specversion: '1.0',
      id: '0b9a4f5e-3c2d-4e1f-8a7b-6c5d4e3f2a1b',
      source: 'token',
      type: 'token.issued',
      time: '2030-01-01T00:00:00.000Z',
      subject: 'my-app',
      datacontenttype: 'application/json',
      data: { client_id: 'my-app', grant_type: 'client_credentials' },
      seq: 7,
      hash: 'a'.repeat(64),
      prev_hash: 'b'.repeat(64),
    },
  ],
  next_cursor: 'next-page',
};

const VERDICT: AuditVerifyResponse = {
  valid: false,
  checked: 4,
  first_invalid_seq: 4,
  reason: 'hash_mismatch',
  last_seq: 3,
  last_hash: 'c'.repeat(64),
};

describe('AdminAuditController (GET /admin/audit, /admin/audit/verify)', () => {
  let key: TestKey;
  let bus: FakeBus;
  let app: NestExpressApplication;
  let admin: string;
  let answer: (subject: string, data: unknown) => unknown;

  beforeAll(async () => {
    key = await testKey('k1');
    bus = new FakeBus()
      .on(ClientSubjects.Get, tokenClientLookup)
      .on(TokenSubjects.Jwks, () => jwksOf(key))
      .on(AuditSubjects.Query, (data) => answer(AuditSubjects.Query, data))
      .on(AuditSubjects.Verify, (data) => answer(AuditSubjects.Verify, data))
      .on(AuditSubjects.Export, (data) => answer(AuditSubjects.Export, data))
      .on(AuditSubjects.Checkpoints, (data) => answer(AuditSubjects.Checkpoints, data))
      .on(AuditSubjects.Keys, (data) => answer(AuditSubjects.Keys, data));
    app = await startHttpApp(
      {
        controllers: [AdminAuditController],
        providers: [
          AdminAuditService,
          AuditStreamService,
          { provide: AUDIT_STREAM_CONFIG, useValue: { maxConnections: 2, heartbeatSeconds: 15 } },
          AdminGuard,
          AccessTokenVerifier,
          JwksService,
          denylist(),
          // The guard records refused admin requests (admin_access.denied).
          { provide: AuditClient, useValue: new RecordingAuditClient('gateway') },
        ],
      },
      bus,
    );
    admin = `Bearer ${await signAccessToken({ key })}`;
  });

  beforeEach(() => {
    bus.requests.length = 0;
    answer = (subject) => (subject === AuditSubjects.Query ? PAGE : VERDICT);
  });

  afterAll(() => app.close());

  const http = () => request(app.getHttpServer());
  const auditRequests = () => [
    ...bus.requestsFor(AuditSubjects.Query),
    ...bus.requestsFor(AuditSubjects.Verify),
    ...bus.requestsFor(AuditSubjects.Export),
    ...bus.requestsFor(AuditSubjects.Checkpoints),
    ...bus.requestsFor(AuditSubjects.Keys),
  ];

  describe('GET /admin/audit', () => {
    it('passes every filter to the audit service and answers its page, not cached', async () => {
      const res = await http()
        .get('/admin/audit')
        .query({
          type: 'token.issued',
          subject: 'my-app',
          client_id: 'my-app',
          sub: 'user-1',
          since: '2030-01-01T00:00:00Z',
          until: '2030-02-01',
          limit: '50',
          cursor: 'abc',
          unknown: 'ignored',
        })
        .set('Authorization', admin);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(PAGE);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(bus.requestsFor(AuditSubjects.Query)).toEqual([
        {
          type: 'token.issued',
          subject: 'my-app',
          client_id: 'my-app',
          sub: 'user-1',
          since: '2030-01-01T00:00:00Z',
          until: '2030-02-01',
          limit: 50,
          cursor: 'abc',
        },
      ]);
    });

    it('asks with no filter at all', async () => {
      const res = await http().get('/admin/audit').set('Authorization', admin);
      expect(res.status).toBe(200);
      expect(bus.requestsFor(AuditSubjects.Query)).toEqual([{}]);
    });

    it.each([
      ['a repeated filter', '?type=a.b&type=c.d', /^parameter type must not be repeated$/],
      ['a limit that is not a number', '?limit=ten', /^limit must be a positive integer$/],
      ['a zero limit', '?limit=0', /^limit must be a positive integer$/],
    ])('answers %s with 400 invalid_request before asking', async (_name, query, description) => {
      const res = await http().get(`/admin/audit${query}`).set('Authorization', admin);
      expect(res.status).toBe(400);
      expect(oauthErrorBody(res).error).toBe('invalid_request');
      expect(oauthErrorBody(res).error_description).toMatch(description);
      expect(oauthErrorBody(res).error_description).toMatch(ERROR_DESCRIPTION_CHARSET);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(auditRequests()).toEqual([]);
    });

    it('answers what the audit service refuses with its invalid_request', async () => {
      answer = () => {
        throw new InvalidRequest('limit must be an integer between 1 and 500');
      };
      const res = await http().get('/admin/audit?limit=501').set('Authorization', admin);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: 'invalid_request',
        error_description: 'limit must be an integer between 1 and 500',
      });
    });

    it('answers 503 temporarily_unavailable when the audit service is down', async () => {
      answer = () => {
        throw new TemporarilyUnavailable();
      };
      const res = await http().get('/admin/audit').set('Authorization', admin);
      expect(res.status).toBe(503);
      expect(oauthErrorBody(res).error).toBe('temporarily_unavailable');
    });
  });

  describe('GET /admin/audit/verify', () => {
    it('asks the audit service to verify the range and answers its verdict, not cached', async () => {
      const res = await http()
        .get('/admin/audit/verify?from_seq=2&to_seq=9')
        .set('Authorization', admin);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(VERDICT);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(bus.requestsFor(AuditSubjects.Verify)).toEqual([{ from_seq: 2, to_seq: 9 }]);
    });

    it('verifies the whole chain by default', async () => {
      answer = () => ({ valid: true, checked: 0 });
      const res = await http().get('/admin/audit/verify').set('Authorization', admin);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ valid: true, checked: 0 });
      expect(bus.requestsFor(AuditSubjects.Verify)).toEqual([{}]);
    });

    it.each([
      ['from_seq=0', /^from_seq must be a positive integer$/],
      ['to_seq=-3', /^to_seq must be a positive integer$/],
      ['from_seq=1&from_seq=2', /^parameter from_seq must not be repeated$/],
    ])('answers %s with 400 invalid_request', async (query, description) => {
      const res = await http().get(`/admin/audit/verify?${query}`).set('Authorization', admin);
      expect(res.status).toBe(400);
      expect(oauthErrorBody(res).error).toBe('invalid_request');
      expect(oauthErrorBody(res).error_description).toMatch(description);
      expect(auditRequests()).toEqual([]);
    });
  });

  describe('GET /admin/audit/export, /checkpoints and /keys', () => {
    const PAGE_OF = { items: [{ seq: 1 }], next_cursor: 'more' };
    const JWKS = { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'x', kid: 'k', alg: 'EdDSA' }] };

    it.each([
      ['/admin/audit/export', AuditSubjects.Export],
      ['/admin/audit/checkpoints', AuditSubjects.Checkpoints],
    ])('%s passes limit and cursor and answers the page, not cached', async (path, subject) => {
      answer = () => PAGE_OF;
      const res = await http()
        .get(`${path}?limit=1000&cursor=abc&type=ignored`)
        .set('Authorization', admin);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(PAGE_OF);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(bus.requestsFor(subject)).toEqual([{ limit: 1000, cursor: 'abc' }]);
    });

    it('answers a bad limit with 400 before asking', async () => {
      const res = await http().get('/admin/audit/export?limit=-1').set('Authorization', admin);
      expect(res.status).toBe(400);
      expect(bus.requestsFor(AuditSubjects.Export)).toEqual([]);
    });

    it('/admin/audit/keys answers the checkpoint JWKS', async () => {
      answer = () => JWKS;
      const res = await http().get('/admin/audit/keys').set('Authorization', admin);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(JWKS);
    });
  });

  describe('the admin token', () => {
    it.each([
      '/admin/audit',
      '/admin/audit/verify',
      '/admin/audit/export',
      '/admin/audit/checkpoints',
      '/admin/audit/keys',
      '/admin/audit/stream',
    ])('is required at %s: 401 invalid_token with a Bearer challenge', async (path) => {
      const res = await http().get(path);
      expect(res.status).toBe(401);
      expect(oauthErrorBody(res).error).toBe('invalid_token');
      expect(res.headers['www-authenticate']).toBe(`Bearer realm="${TEST_ISSUER}"`);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(auditRequests()).toEqual([]);
    });

    it.each(['/admin/audit', '/admin/audit/verify'])(
      'must carry the admin scope at %s: 403 insufficient_scope',
      async (path) => {
        const token = await signAccessToken({ key, claims: { scope: 'reports:read' } });
        const res = await http().get(path).set('Authorization', `Bearer ${token}`);
        expect(res.status).toBe(403);
        expect(oauthErrorBody(res).error).toBe('insufficient_scope');
        expect(auditRequests()).toEqual([]);
      },
    );
  });
});

/** The access-token denylist the admin guard reads (empty: nothing revoked). */
function denylist() {
  return { provide: KV_TOKEN, useValue: new MemoryKvStore({ sweepIntervalMs: 0 }) };
}
