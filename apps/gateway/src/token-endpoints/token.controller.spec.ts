import { expect } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  ClientSubjects,
  TokenSubjects,
  type TokenRequest,
  type TokenResponse,
} from '@latchkey/contracts';
import { InvalidClient, InvalidGrant, TemporarilyUnavailable } from '@latchkey/oauth';
import { oauthErrorBody } from '@latchkey/testing';
import request from 'supertest';
import { TEST_ISSUER } from '../fixtures/access-token.fixture';
import { FakeBus } from '../fixtures/fake-bus.fixture';
import { webClient } from '../fixtures/client.fixture';
import { corsProviders } from '../fixtures/cors.fixture';
import { startHttpApp } from '../fixtures/http-app.fixture';
import { TokenEndpointOverBus } from './endpoints-over-bus';
import { TokenController, TokenEndpoint } from '@latchkey/oauth-http';

/** The origin of webClient's redirect URI, and one it lists in allowed_cors_origins. */
const APP_ORIGIN = 'https://app.example.test';
const SPA_ORIGIN = 'https://spa.example.test';

const ISSUED: TokenResponse = {
  access_token: 'eyJ.access.token',
  token_type: 'Bearer',
  expires_in: 3600,
  scope: 'reports:read',
};

describe('TokenController (POST /token)', () => {
  let bus: FakeBus;
  let app: NestExpressApplication;
  let answer: () => unknown;

  beforeAll(async () => {
    bus = new FakeBus()
      .on(TokenSubjects.Request, () => answer())
      .on(ClientSubjects.CorsOrigins, () => ({ origins: [APP_ORIGIN, SPA_ORIGIN] }))
      .on(ClientSubjects.Get, (data) => {
        const id = (data as { client_id: string }).client_id;
        if (id === 'web-app') return webClient({ allowed_cors_origins: [SPA_ORIGIN] });
        if (id === 'other-app') return webClient({ client_id: 'other-app', redirect_uris: [] });
        return null;
      });
    app = await startHttpApp(
      {
        controllers: [TokenController],
        providers: [{ provide: TokenEndpoint, useClass: TokenEndpointOverBus }, ...corsProviders()],
      },
      bus,
    );
  });

  beforeEach(() => {
    bus.requests.length = 0;
    answer = () => ISSUED;
  });

  afterAll(() => app.close());

  const sent = () => bus.requestsFor(TokenSubjects.Request) as TokenRequest[];

  it('hands the form, the Authorization header, the address and user agent to the token service', async () => {
    const res = await request(app.getHttpServer())
      .post('/token')
      .set('Authorization', 'Basic Y2xpZW50OnNlY3JldA==')
      .set('User-Agent', 'test-agent/1.0')
      .type('form')
      .send('grant_type=client_credentials&scope=reports%3Aread');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(ISSUED);
    expect(sent()).toEqual([
      {
        params: { grant_type: 'client_credentials', scope: 'reports:read' },
        authorization: 'Basic Y2xpZW50OnNlY3JldA==',
        ip: expect.stringMatching(/127\.0\.0\.1$/),
        user_agent: 'test-agent/1.0',
      },
    ]);
  });

  it('answers with Cache-Control: no-store and Pragma: no-cache (RFC 6749 §5.1)', async () => {
    const res = await request(app.getHttpServer())
      .post('/token')
      .type('form')
      .send('grant_type=client_credentials');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('keeps a repeated parameter as a list so the token service can refuse it', async () => {
    await request(app.getHttpServer())
      .post('/token')
      .type('form')
      .send('grant_type=client_credentials&scope=a&scope=b&grant_type=client_credentials');
    expect(sent()[0]!.params).toEqual({
      grant_type: ['client_credentials', 'client_credentials'],
      scope: ['a', 'b'],
    });
  });

  it('does not read name[key] parameters as objects (no qs-style parsing)', async () => {
    await request(app.getHttpServer()).post('/token').type('form').send('a[b]=c&t[]=1');
    expect(sent()[0]!.params).toEqual({ 'a[b]': 'c', 't[]': '1' });
  });

  it('accepts a charset parameter on the media type', async () => {
    const res = await request(app.getHttpServer())
      .post('/token')
      .set('Content-Type', 'application/x-www-form-urlencoded; charset=UTF-8')
      .send('grant_type=client_credentials');
    expect(res.status).toBe(200);
  });

  it('leaves out what the request did not carry', async () => {
    await request(app.getHttpServer())
      .post('/token')
      .unset('User-Agent')
      .type('form')
      .send('grant_type=client_credentials');
    expect(sent()[0]).not.toHaveProperty('authorization');
    expect(sent()[0]).not.toHaveProperty('user_agent');
  });

  it.each([
    ['JSON', 'application/json', '{"grant_type":"client_credentials"}'],
    ['plain text', 'text/plain', 'grant_type=client_credentials'],
    ['multipart', 'multipart/form-data; boundary=x', '--x--'],
  ])(
    'refuses a %s body with 400 invalid_request, before the token service',
    async (_what, type, body) => {
      const res = await request(app.getHttpServer())
        .post('/token')
        .set('Content-Type', type)
        .send(body);
      expect(res.status).toBe(400);
      expect(oauthErrorBody(res).error).toBe('invalid_request');
      expect(oauthErrorBody(res).error_description).toMatch(/application\/x-www-form-urlencoded/);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers.pragma).toBe('no-cache');
      expect(sent()).toHaveLength(0);
    },
  );

  it.each([
    ['an unsupported charset', { 'Content-Type': 'application/x-www-form-urlencoded; charset=x' }],
    [
      'an unknown Content-Encoding',
      { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Encoding': 'x-zip' },
    ],
  ])('answers a form with %s with 400 invalid_request, not 415 (RFC 6749 §5.2)', async (_w, h) => {
    const res = await request(app.getHttpServer())
      .post('/token')
      .set(h)
      .send('grant_type=client_credentials');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_request' });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(sent()).toHaveLength(0);
  });

  it('refuses a request without a body', async () => {
    const res = await request(app.getHttpServer()).post('/token');
    expect(res.status).toBe(400);
    expect(oauthErrorBody(res).error).toBe('invalid_request');
    expect(sent()).toHaveLength(0);
  });

  it("passes the token service's errors through, never cached", async () => {
    answer = () => {
      throw new InvalidGrant('the grant is not valid');
    };
    const res = await request(app.getHttpServer()).post('/token').type('form').send('grant_type=x');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_grant',
      error_description: 'the grant is not valid',
    });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
  });

  it('answers invalid_client with 401 and the Basic challenge', async () => {
    answer = () => {
      throw new InvalidClient();
    };
    const res = await request(app.getHttpServer()).post('/token').type('form').send('grant_type=x');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(`Basic realm="${TEST_ISSUER}"`);
  });

  it('answers 503 when the token service cannot be reached', async () => {
    answer = () => {
      throw new TemporarilyUnavailable();
    };
    const res = await request(app.getHttpServer()).post('/token').type('form').send('grant_type=x');
    expect(res.status).toBe(503);
    expect(oauthErrorBody(res).error).toBe('temporarily_unavailable');
  });

  it.each(['get', 'put', 'delete', 'patch'] as const)(
    'answers %s with 405 invalid_request and Allow: POST',
    async (method) => {
      const res = await request(app.getHttpServer())[method]('/token');
      expect(res.status).toBe(405);
      expect(oauthErrorBody(res).error).toBe('invalid_request');
      expect(res.headers.allow).toBe('POST');
      expect(sent()).toHaveLength(0);
    },
  );

  describe('CORS (docs/architecture.md §3)', () => {
    const preflight = (origin: string) =>
      request(app.getHttpServer())
        .options('/token')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'content-type');
    const tokenRequest = (origin: string, body: string) =>
      request(app.getHttpServer()).post('/token').set('Origin', origin).type('form').send(body);

    it.each([APP_ORIGIN, SPA_ORIGIN])(
      'answers a preflight from a registered origin (%s)',
      async (origin) => {
        const res = await preflight(origin);
        expect(res.status).toBe(204);
        expect(res.headers['access-control-allow-origin']).toBe(origin);
        expect(res.headers['access-control-allow-methods']).toBe('POST');
        expect(res.headers['access-control-allow-headers']).toBe('authorization, content-type');
        expect(res.headers['access-control-max-age']).toMatch(/^[1-9][0-9]*$/);
        expect(res.headers.vary).toMatch(/\bOrigin\b/);
        expect(res.headers).not.toHaveProperty('access-control-allow-credentials');
        expect(sent()).toHaveLength(0);
      },
    );

    it('gives a preflight from an origin nobody registered no permission', async () => {
      const res = await preflight('https://evil.example');
      expect(res.status).toBe(204);
      expect(res.headers).not.toHaveProperty('access-control-allow-origin');
      expect(res.headers).not.toHaveProperty('access-control-allow-methods');
    });

    it('refuses an OPTIONS request that is not a preflight like any other method', async () => {
      const res = await request(app.getHttpServer()).options('/token');
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('POST');
    });

    it('lets the origin read the answer to a request of a client that allows it', async () => {
      const res = await tokenRequest(SPA_ORIGIN, 'grant_type=authorization_code&client_id=web-app');
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe(SPA_ORIGIN);
      expect(res.headers['access-control-expose-headers']).toBe('WWW-Authenticate');
      expect(res.headers.vary).toMatch(/\bOrigin\b/);
      expect(res.headers).not.toHaveProperty('access-control-allow-credentials');
    });

    it('names the client by its Basic credentials too', async () => {
      const res = await request(app.getHttpServer())
        .post('/token')
        .set('Origin', APP_ORIGIN)
        .set('Authorization', `Basic ${Buffer.from('web-app:secret').toString('base64')}`)
        .type('form')
        .send('grant_type=client_credentials');
      expect(res.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    });

    it("carries the permission on the client's errors too", async () => {
      answer = () => {
        throw new InvalidGrant('the grant is not valid');
      };
      const res = await tokenRequest(APP_ORIGIN, 'grant_type=authorization_code&client_id=web-app');
      expect(res.status).toBe(400);
      expect(res.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    });

    it.each([
      ['a client that did not register the origin', 'client_id=other-app'],
      ['an unknown client', 'client_id=nobody'],
      ['no client at all', ''],
    ])('gives no permission for %s', async (_what, client) => {
      const res = await tokenRequest(SPA_ORIGIN, `grant_type=authorization_code&${client}`);
      expect(res.headers).not.toHaveProperty('access-control-allow-origin');
      expect(res.headers.vary).toMatch(/\bOrigin\b/);
    });

    it('gives no permission to an origin the client did not register, even on errors', async () => {
      answer = () => {
        throw new InvalidClient();
      };
      const res = await tokenRequest('https://evil.example', 'grant_type=x&client_id=web-app');
      expect(res.status).toBe(401);
      expect(res.headers).not.toHaveProperty('access-control-allow-origin');
    });

    it('answers as before when the registry cannot say, without permission', async () => {
      bus.on(ClientSubjects.Get, () => {
        throw new TemporarilyUnavailable();
      });
      const res = await tokenRequest(APP_ORIGIN, 'grant_type=x&client_id=fresh-client');
      expect(res.status).toBe(200);
      expect(res.headers).not.toHaveProperty('access-control-allow-origin');
    });
  });
});
