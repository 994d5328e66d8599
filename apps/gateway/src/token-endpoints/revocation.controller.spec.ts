import { expect } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { type RevokeRequest, TokenSubjects } from '@latchkey/contracts';
import { InvalidClient, InvalidRequest, TemporarilyUnavailable } from '@latchkey/oauth';
import { oauthErrorBody } from '@latchkey/testing';
import request from 'supertest';
import { TEST_ISSUER } from '../fixtures/access-token.fixture';
import { FakeBus } from '../fixtures/fake-bus.fixture';
import { corsProviders } from '../fixtures/cors.fixture';
import { startHttpApp } from '../fixtures/http-app.fixture';
import { RevocationEndpointOverBus } from './endpoints-over-bus';
import { RevocationController, RevocationEndpoint } from '@latchkey/oauth-http';

describe('RevocationController (POST /revoke, RFC 7009)', () => {
  let bus: FakeBus;
  let app: NestExpressApplication;
  let answer: () => unknown;

  beforeAll(async () => {
    bus = new FakeBus().on(TokenSubjects.Revoke, () => answer());
    app = await startHttpApp(
      {
        controllers: [RevocationController],
        providers: [
          { provide: RevocationEndpoint, useClass: RevocationEndpointOverBus },
          ...corsProviders(),
        ],
      },
      bus,
    );
  });

  beforeEach(() => {
    bus.requests.length = 0;
    answer = () => ({});
  });

  afterAll(() => app.close());

  const sent = () => bus.requestsFor(TokenSubjects.Revoke) as RevokeRequest[];
  const revoke = () => request(app.getHttpServer()).post('/revoke').type('form');

  it('hands the form, the Authorization header, the address and user agent to the token service', async () => {
    const res = await revoke()
      .set('Authorization', 'Basic Y2xpZW50OnNlY3JldA==')
      .set('User-Agent', 'rp/2.0')
      .send('token=abc&token_type_hint=refresh_token');
    expect(res.status).toBe(200);
    expect(sent()).toEqual([
      {
        params: { token: 'abc', token_type_hint: 'refresh_token' },
        authorization: 'Basic Y2xpZW50OnNlY3JldA==',
        ip: expect.stringMatching(/127\.0\.0\.1$/),
        user_agent: 'rp/2.0',
      },
    ]);
  });

  it('answers 200 with an empty body, never cached (§2.2)', async () => {
    const res = await revoke().send('token=abc');
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
  });

  it('keeps a repeated token as a list so the token service can refuse it', async () => {
    await revoke().send('token=a&token=b');
    expect(sent()[0]!.params).toEqual({ token: ['a', 'b'] });
  });

  it('refuses a JSON body with 400 invalid_request, before the token service', async () => {
    const res = await request(app.getHttpServer())
      .post('/revoke')
      .set('Content-Type', 'application/json')
      .send('{"token":"abc"}');
    expect(res.status).toBe(400);
    expect(oauthErrorBody(res).error).toBe('invalid_request');
    expect(sent()).toHaveLength(0);
  });

  it("passes the token service's invalid_request through", async () => {
    answer = () => {
      throw new InvalidRequest('token is required');
    };
    const res = await revoke().send('token_type_hint=access_token');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'token is required' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers invalid_client with 401 and the Basic challenge', async () => {
    answer = () => {
      throw new InvalidClient();
    };
    const res = await revoke().send('token=abc');
    expect(res.status).toBe(401);
    expect(oauthErrorBody(res).error).toBe('invalid_client');
    expect(res.headers['www-authenticate']).toBe(`Basic realm="${TEST_ISSUER}"`);
  });

  it('answers 503 when the token service cannot be reached', async () => {
    answer = () => {
      throw new TemporarilyUnavailable();
    };
    const res = await revoke().send('token=abc');
    expect(res.status).toBe(503);
    expect(oauthErrorBody(res).error).toBe('temporarily_unavailable');
  });

  it.each(['get', 'put', 'delete'] as const)(
    'answers %s with 405 and Allow: POST',
    async (method) => {
      const res = await request(app.getHttpServer())[method]('/revoke');
      expect(res.status).toBe(405);
      expect(oauthErrorBody(res).error).toBe('invalid_request');
      expect(res.headers.allow).toBe('POST');
      expect(sent()).toHaveLength(0);
    },
  );
});
