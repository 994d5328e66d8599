import { expect } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { type IntrospectRequest, TokenSubjects } from '@latchkey/contracts';
import { InvalidClient, TemporarilyUnavailable } from '@latchkey/oauth';
import { oauthErrorBody } from '@latchkey/testing';
import request from 'supertest';
import { TEST_ISSUER } from '../fixtures/access-token.fixture';
import { FakeBus } from '../fixtures/fake-bus.fixture';
import { startHttpApp } from '../fixtures/http-app.fixture';
import { IntrospectionEndpointOverBus } from './endpoints-over-bus';
import { IntrospectionController, IntrospectionEndpoint } from '@latchkey/oauth-http';

const ACTIVE = {
  active: true,
  client_id: 'web-app',
  sub: 'user-1',
  aud: TEST_ISSUER,
  iss: TEST_ISSUER,
  exp: 1_900_000_000,
  iat: 1_899_996_400,
  token_type: 'Bearer',
  jti: 'j',
};
const JWT = 'eyJ0eXAiOiJ0b2tlbi1pbnRyb3NwZWN0aW9uK2p3dCJ9.eyJhIjoxfQ.c2ln';

describe('IntrospectionController (POST /introspect, RFC 7662 / RFC 9701)', () => {
  let bus: FakeBus;
  let app: NestExpressApplication;
  let answer: (data: IntrospectRequest) => unknown;

  beforeAll(async () => {
    bus = new FakeBus().on(TokenSubjects.Introspect, (data) => answer(data as IntrospectRequest));
    app = await startHttpApp(
      {
        controllers: [IntrospectionController],
        providers: [{ provide: IntrospectionEndpoint, useClass: IntrospectionEndpointOverBus }],
      },
      bus,
    );
  });

  beforeEach(() => {
    bus.requests.length = 0;
    answer = (data) => (data.want_jwt ? { jwt: JWT } : ACTIVE);
  });

  afterAll(() => app.close());

  const sent = () => bus.requestsFor(TokenSubjects.Introspect) as IntrospectRequest[];
  const introspect = () => request(app.getHttpServer()).post('/introspect').type('form');

  it('hands the form and credentials over and answers the JSON, never cached', async () => {
    const res = await introspect()
      .set('Authorization', 'Basic cnM6c2VjcmV0')
      .set('User-Agent', 'rs/1.0')
      .send('token=abc');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual(ACTIVE);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    expect(res.headers.vary).toMatch(/Accept/);
    expect(sent()).toEqual([
      {
        params: { token: 'abc' },
        authorization: 'Basic cnM6c2VjcmV0',
        ip: expect.stringMatching(/127\.0\.0\.1$/),
        user_agent: 'rs/1.0',
      },
    ]);
  });

  it('answers {"active": false} as it comes', async () => {
    answer = () => ({ active: false });
    const res = await introspect().send('token=abc');
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"active":false}');
  });

  it('asks for and answers the signed JWT on Accept: application/token-introspection+jwt', async () => {
    const res = await introspect()
      .set('Accept', 'application/token-introspection+jwt')
      .buffer(true)
      .parse((response, done) => {
        let text = '';
        response.setEncoding('ascii');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => done(null, text));
      })
      .send('token=abc');
    expect(sent()[0]!.want_jwt).toBe(true);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/token-introspection+jwt');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toBe(JWT);
  });

  it('answers invalid_client with 401 and the Basic challenge', async () => {
    answer = () => {
      throw new InvalidClient();
    };
    const res = await introspect().send('token=abc');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(`Basic realm="${TEST_ISSUER}"`);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers 503 when the token service cannot be reached', async () => {
    answer = () => {
      throw new TemporarilyUnavailable();
    };
    const res = await introspect().send('token=abc');
    expect(res.status).toBe(503);
  });

  it('refuses a JSON body before the token service', async () => {
    const res = await request(app.getHttpServer())
      .post('/introspect')
      .set('Content-Type', 'application/json')
      .send('{"token":"abc"}');
    expect(res.status).toBe(400);
    expect(oauthErrorBody(res).error).toBe('invalid_request');
    expect(sent()).toHaveLength(0);
  });

  it('answers GET with 405 and Allow: POST', async () => {
    const res = await request(app.getHttpServer()).get('/introspect');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
  });
});
