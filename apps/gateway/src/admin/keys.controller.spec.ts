import { KV_TOKEN, MemoryKvStore } from '@latchkey/kv';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ClientSubjects, type RotateKeysResponse, TokenSubjects } from '@latchkey/contracts';
import { TemporarilyUnavailable } from '@latchkey/oauth';
import { AuditClient } from '@latchkey/audit-client';
import { oauthErrorBody, RecordingAuditClient } from '@latchkey/testing';
import request from 'supertest';
import { AccessTokenVerifier } from '../auth/access-token.verifier';
import { AdminGuard } from '../auth/admin.guard';
import {
  jwksOf,
  signAccessToken,
  testKey,
  tokenClientLookup,
  type TestKey,
} from '../fixtures/access-token.fixture';
import { FakeBus } from '../fixtures/fake-bus.fixture';
import { startHttpApp } from '../fixtures/http-app.fixture';
import { JwksService } from '../well-known/jwks.service';
import { AdminKeysController } from './keys.controller';
import { AdminKeysService } from './keys.service';

const ROTATED: RotateKeysResponse = {
  rotated: [
    { alg: 'RS256', kid: 'rsa-2', previous_kid: 'rsa-1', activates_at: '2030-01-01T00:02:00.000Z' },
    { alg: 'ES256', kid: 'ec-2', previous_kid: 'ec-1', activates_at: '2030-01-01T00:02:00.000Z' },
  ],
};

describe('AdminKeysController (POST /admin/keys/rotate)', () => {
  let key: TestKey;
  let bus: FakeBus;
  let app: NestExpressApplication;
  let admin: string;
  let answer: () => unknown;

  beforeAll(async () => {
    key = await testKey('k1');
    bus = new FakeBus()
      .on(ClientSubjects.Get, tokenClientLookup)
      .on(TokenSubjects.Jwks, () => jwksOf(key))
      .on(TokenSubjects.RotateKeys, () => answer());
    app = await startHttpApp(
      {
        controllers: [AdminKeysController],
        providers: [
          AdminKeysService,
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
    answer = () => ROTATED;
  });

  afterAll(() => app.close());

  it('rotates through the token service: the RS256 key on top, every algorithm in rotated', async () => {
    const res = await request(app.getHttpServer())
      .post('/admin/keys/rotate')
      .set('Authorization', admin);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      alg: 'RS256',
      kid: 'rsa-2',
      previous_kid: 'rsa-1',
      activates_at: '2030-01-01T00:02:00.000Z',
      rotated: ROTATED.rotated,
    });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(bus.requestsFor(TokenSubjects.RotateKeys)).toHaveLength(1);
  });

  it('needs an admin token: 401 without, 403 without the admin scope', async () => {
    const none = await request(app.getHttpServer()).post('/admin/keys/rotate');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer /);
    const reader = await signAccessToken({ key, claims: { scope: 'orders:read' } });
    const forbidden = await request(app.getHttpServer())
      .post('/admin/keys/rotate')
      .set('Authorization', `Bearer ${reader}`);
    expect(forbidden.status).toBe(403);
    expect(oauthErrorBody(forbidden).error).toBe('insufficient_scope');
    expect(bus.requestsFor(TokenSubjects.RotateKeys)).toHaveLength(0);
  });

  it('answers 503 when the token service cannot be reached', async () => {
    answer = () => {
      throw new TemporarilyUnavailable();
    };
    const res = await request(app.getHttpServer())
      .post('/admin/keys/rotate')
      .set('Authorization', admin);
    expect(res.status).toBe(503);
    expect(oauthErrorBody(res).error).toBe('temporarily_unavailable');
  });
});

/** The access-token denylist the admin guard reads (empty: nothing revoked). */
function denylist() {
  return { provide: KV_TOKEN, useValue: new MemoryKvStore({ sweepIntervalMs: 0 }) };
}
