import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  ClientSubjects,
  type ClientRecord,
  type ManageRegistrationRequest,
  type RegisterClientRequest,
} from '@latchkey/contracts';
import { InvalidClientMetadata, InvalidToken } from '@latchkey/oauth';
import { oauthErrorBody } from '@latchkey/testing';
import request from 'supertest';
import { TEST_ISSUER } from '../fixtures/access-token.fixture';
import { FakeBus } from '../fixtures/fake-bus.fixture';
import { startHttpApp } from '../fixtures/http-app.fixture';
import { RegistrationController } from './registration.controller';
import { RegistrationService } from './registration.service';

const CLIENT: ClientRecord = {
  client_id: 'app/1',
  client_id_issued_at: 1_800_000_000,
  client_secret_expires_at: 0,
  client_name: 'Self-service app',
  application_type: 'web',
  redirect_uris: ['https://app.example.test/cb'],
  post_logout_redirect_uris: [],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  id_token_signed_response_alg: 'RS256',
  skip_consent: false,
  disabled: false,
  created_at: '2027-01-15T08:00:00.000Z',
  updated_at: '2027-01-15T08:00:00.000Z',
  // A registry that sent the full record must still not leak its hashes.
  secret_hashes: [{ hash: 'hash-of-the-secret', expires_at: null }],
};

const REGISTRATION_URI = `${TEST_ISSUER}/register/app%2F1`;

describe('RegistrationController (RFC 7591 /register, RFC 7592 /register/:client_id)', () => {
  let bus: FakeBus;
  let app: NestExpressApplication;
  let register: (data: RegisterClientRequest) => unknown;
  let manage: (data: ManageRegistrationRequest) => unknown;

  beforeAll(async () => {
    bus = new FakeBus()
      .on(ClientSubjects.Register, (data) => register(data as RegisterClientRequest))
      .on(ClientSubjects.ManageRegistration, (data) => manage(data as ManageRegistrationRequest));
    app = await startHttpApp(
      { controllers: [RegistrationController], providers: [RegistrationService] },
      bus,
    );
  });

  beforeEach(() => {
    bus.requests.length = 0;
    register = () => ({
      client: CLIENT,
      client_secret: 'the-secret',
      registration_access_token: 'rat-1',
    });
    manage = (data) => (data.action === 'delete' ? null : { client: CLIENT });
  });

  afterAll(() => app.close());

  const http = () => request(app.getHttpServer());
  const metadata = { redirect_uris: ['https://app.example.test/cb'] };

  describe('POST /register', () => {
    it('sends the initial access token and the metadata to the registry, answers 201', async () => {
      const res = await http()
        .post('/register')
        .set('Authorization', 'Bearer iat-123')
        .send(metadata);
      expect(res.status).toBe(201);
      expect(bus.requestsFor(ClientSubjects.Register)).toEqual([
        { initial_access_token: 'iat-123', metadata },
      ]);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers.pragma).toBe('no-cache');
      expect(res.body).toEqual({
        client_id: 'app/1',
        client_id_issued_at: 1_800_000_000,
        client_secret: 'the-secret',
        client_secret_expires_at: 0,
        client_name: 'Self-service app',
        application_type: 'web',
        redirect_uris: ['https://app.example.test/cb'],
        post_logout_redirect_uris: [],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'RS256',
        skip_consent: false,
        registration_access_token: 'rat-1',
        registration_client_uri: REGISTRATION_URI,
      });
    });

    it.each([
      ['no Authorization header', undefined],
      ['another scheme', 'Basic YTpi'],
    ])(
      'answers %s with 401 invalid_token and a bare challenge, before the registry',
      async (_what, header) => {
        const req = http().post('/register');
        if (header) req.set('Authorization', header);
        const res = await req.send(metadata);
        expect(res.status).toBe(401);
        expect(oauthErrorBody(res).error).toBe('invalid_token');
        expect(res.headers['www-authenticate']).toBe(`Bearer realm="${TEST_ISSUER}"`);
        expect(bus.requests).toHaveLength(0);
      },
    );

    it('answers a malformed Bearer header with 401 and error="invalid_token"', async () => {
      const res = await http().post('/register').set('Authorization', 'Bearer a b').send(metadata);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(
        /^Bearer realm="[^"]+", error="invalid_token"/,
      );
      expect(bus.requests).toHaveLength(0);
    });

    it("answers the registry's refusal of the token with the Bearer challenge", async () => {
      register = () => {
        throw new InvalidToken('the initial access token is invalid, expired or used up');
      };
      const res = await http()
        .post('/register')
        .set('Authorization', 'Bearer iat-used')
        .send(metadata);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(
        `Bearer realm="${TEST_ISSUER}", error="invalid_token", error_description="the initial access token is invalid, expired or used up"`,
      );
    });

    it("passes the registry's RFC 7591 errors through unchanged", async () => {
      register = () => {
        throw new InvalidClientMetadata('skip_consent cannot be set through dynamic registration');
      };
      const res = await http()
        .post('/register')
        .set('Authorization', 'Bearer iat-123')
        .send(metadata);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: 'invalid_client_metadata',
        error_description: 'skip_consent cannot be set through dynamic registration',
      });
    });

    it.each([
      ['a JSON array', 'application/json', '["x"]'],
      ['a form', 'application/x-www-form-urlencoded', 'client_name=x'],
      ['no body', undefined, undefined],
    ])('answers %s with 400 invalid_request', async (_what, type, body) => {
      const req = http().post('/register').set('Authorization', 'Bearer iat-123');
      if (type) req.set('Content-Type', type);
      const res = await req.send(body);
      expect(res.status).toBe(400);
      expect(oauthErrorBody(res).error).toBe('invalid_request');
      expect(bus.requests).toHaveLength(0);
    });
  });

  describe('/register/:client_id', () => {
    it('GET reads with the registration access token (no secret, no new token)', async () => {
      const res = await http().get('/register/app%2F1').set('Authorization', 'Bearer rat-1');
      expect(res.status).toBe(200);
      expect(bus.requestsFor(ClientSubjects.ManageRegistration)).toEqual([
        { client_id: 'app/1', registration_access_token: 'rat-1', action: 'read' },
      ]);
      expect(res.body).toMatchObject({
        client_id: 'app/1',
        registration_client_uri: REGISTRATION_URI,
      });
      for (const hidden of [
        'client_secret',
        'registration_access_token',
        'secret_hashes',
        'disabled',
      ]) {
        expect(res.body).not.toHaveProperty(hidden);
      }
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('PUT replaces the metadata (RFC 7592 §2.2)', async () => {
      const body = { client_id: 'app/1', redirect_uris: ['https://app.example.test/new'] };
      const res = await http()
        .put('/register/app%2F1')
        .set('Authorization', 'Bearer rat-1')
        .send(body);
      expect(res.status).toBe(200);
      expect(bus.requestsFor(ClientSubjects.ManageRegistration)).toEqual([
        {
          client_id: 'app/1',
          registration_access_token: 'rat-1',
          action: 'update',
          metadata: body,
        },
      ]);
    });

    it('DELETE answers 204 with no body', async () => {
      const res = await http().delete('/register/app%2F1').set('Authorization', 'Bearer rat-1');
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(bus.requestsFor(ClientSubjects.ManageRegistration)).toEqual([
        { client_id: 'app/1', registration_access_token: 'rat-1', action: 'delete' },
      ]);
    });

    it.each(['get', 'put', 'delete'] as const)(
      '%s without a token is 401 before the registry',
      async (method) => {
        const res = await http()[method]('/register/app%2F1').send({ client_id: 'app/1' });
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toBe(`Bearer realm="${TEST_ISSUER}"`);
        expect(bus.requests).toHaveLength(0);
      },
    );

    it('answers a wrong registration access token with 401 invalid_token', async () => {
      manage = () => {
        throw new InvalidToken('the registration access token is invalid');
      };
      const res = await http().get('/register/app%2F1').set('Authorization', 'Bearer wrong');
      expect(res.status).toBe(401);
      expect(oauthErrorBody(res).error).toBe('invalid_token');
      expect(res.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    });

    it('treats a registry answering nothing for a read as a bad token, never as a client', async () => {
      manage = () => null;
      const res = await http().get('/register/app%2F1').set('Authorization', 'Bearer rat-1');
      expect(res.status).toBe(401);
      expect(oauthErrorBody(res).error).toBe('invalid_token');
    });
  });
});
