import type { INestApplication } from '@nestjs/common';
import { embeddedConfig, loadConfig, type PlatformConfig } from '@latchkey/config';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startEmbedded, stopEmbedded } from '../apps/embedded/src/embedded';

/**
 * The gateway's HTTP surface for clients, resources, the token endpoint and dynamic registration,
 * over real HTTP against the whole platform in one process (in-process bus, PGlite, memory KV):
 * an admin token from POST /token, the admin API with it, RFC 7591/7592 registration, and each
 * refusal with its exact status, error code and headers.
 */
const ISSUER = 'https://id.example.test';

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

describe('admin API, token endpoint and dynamic registration (embedded)', () => {
  jest.setTimeout(120_000);

  let dataDir: string;
  let config: PlatformConfig;
  let apps: INestApplication[];
  let base: string;
  let adminToken: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-admin-api-'));
    // Port 0 (any free port) is not a valid PORT setting, so it is set after validation.
    config = embeddedConfig({
      ...loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ISSUER }),
      port: 0,
    });
    apps = await startEmbedded(config);
    const gateway = apps[apps.length - 1]!;
    const { port } = (gateway.getHttpServer() as Server).address() as AddressInfo;
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    if (apps) await stopEmbedded(apps);
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function call(
    method: string,
    route: string,
    options: {
      token?: string;
      json?: unknown;
      form?: string;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form !== undefined) {
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
      body = options.form;
    }
    const res = await fetch(`${base}${route}`, { method, headers, body, redirect: 'manual' });
    const text = await res.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // Not JSON (the docs page); `text` has it.
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  const basic = (id: string, secret: string) =>
    `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

  async function clientCredentials(id: string, secret: string, params = ''): Promise<Answer> {
    return call('POST', '/token', {
      form: `grant_type=client_credentials${params}`,
      headers: { authorization: basic(id, secret) },
    });
  }

  function expectNoStore(answer: Answer): void {
    expect(answer.headers.get('cache-control')).toBe('no-store');
  }

  function expectError(answer: Answer, status: number, error: string): void {
    expect({ status: answer.status, error: answer.body.error }).toEqual({ status, error });
    expectNoStore(answer);
  }

  describe('discovery', () => {
    it('lists the token and registration endpoints and what the token endpoint accepts', async () => {
      const { body } = await call('GET', '/.well-known/openid-configuration');
      expect(body).toMatchObject({
        issuer: ISSUER,
        token_endpoint: `${ISSUER}/token`,
        registration_endpoint: `${ISSUER}/register`,
        grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
        token_endpoint_auth_methods_supported: [
          'client_secret_basic',
          'client_secret_post',
          'private_key_jwt',
          'none',
        ],
        token_endpoint_auth_signing_alg_values_supported: ['RS256', 'ES256', 'EdDSA'],
      });
      expect(body.revocation_endpoint).toBe(`${ISSUER}/revoke`);
      expect(body.introspection_endpoint).toBe(`${ISSUER}/introspect`);
    });
  });

  describe('POST /token', () => {
    it('issues the admin client an RFC 9068 access token with scope admin, never cached', async () => {
      const answer = await clientCredentials(config.adminClient!.id, config.adminClient!.secret);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ token_type: 'Bearer', scope: 'admin' });
      expect(answer.body.expires_in).toEqual(expect.any(Number));
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.headers.get('pragma')).toBe('no-cache');
      adminToken = answer.body.access_token as string;
      const header = JSON.parse(Buffer.from(adminToken.split('.')[0]!, 'base64url').toString()) as {
        typ?: string;
      };
      expect(header.typ).toBe('at+jwt');
    });

    it('forwards form credentials: a secret in the body works for a client registered for Basic', async () => {
      // RFC 6749 §2.3.1 allows either; libraries differ in their default (docs/architecture.md §3).
      const answer = await call('POST', '/token', {
        form: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: config.adminClient!.id,
          client_secret: config.adminClient!.secret,
        }).toString(),
      });
      expect(answer.status).toBe(200);
      expect(answer.body.access_token).toEqual(expect.any(String));
      expectNoStore(answer);
    });

    it('forwards form credentials: a wrong secret in the body is 401 invalid_client', async () => {
      const answer = await call('POST', '/token', {
        form: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: config.adminClient!.id,
          client_secret: `${config.adminClient!.secret}x`,
        }).toString(),
      });
      expectError(answer, 401, 'invalid_client');
    });

    it('refuses a JSON body: only application/x-www-form-urlencoded', async () => {
      const answer = await call('POST', '/token', {
        json: { grant_type: 'client_credentials' },
        headers: { authorization: basic(config.adminClient!.id, config.adminClient!.secret) },
      });
      expectError(answer, 400, 'invalid_request');
      expect(answer.headers.get('pragma')).toBe('no-cache');
    });

    it('keeps a repeated parameter as a list, which the token service refuses', async () => {
      const answer = await clientCredentials(
        config.adminClient!.id,
        config.adminClient!.secret,
        '&grant_type=client_credentials',
      );
      expectError(answer, 400, 'invalid_request');
    });

    it('answers a wrong secret with 401 invalid_client and the Basic challenge', async () => {
      const answer = await clientCredentials(config.adminClient!.id, 'not-the-secret');
      expectError(answer, 401, 'invalid_client');
      expect(answer.headers.get('www-authenticate')).toBe(`Basic realm="${ISSUER}"`);
    });

    it('answers GET with 405 invalid_request and Allow: POST', async () => {
      const answer = await call('GET', '/token');
      expectError(answer, 405, 'invalid_request');
      expect(answer.headers.get('allow')).toBe('POST');
    });
  });

  describe('the admin door', () => {
    it('answers no token with 401 invalid_token and a bare Bearer challenge (RFC 6750 §3.1)', async () => {
      const answer = await call('GET', '/admin/clients');
      expectError(answer, 401, 'invalid_token');
      expect(answer.headers.get('www-authenticate')).toBe(`Bearer realm="${ISSUER}"`);
    });

    it('answers another scheme like no token', async () => {
      const answer = await call('GET', '/admin/clients', {
        headers: { authorization: basic(config.adminClient!.id, config.adminClient!.secret) },
      });
      expectError(answer, 401, 'invalid_token');
      expect(answer.headers.get('www-authenticate')).toBe(`Bearer realm="${ISSUER}"`);
    });

    it('checks the token before anything else: no body error leaks to an anonymous caller', async () => {
      const answer = await call('POST', '/admin/clients', { json: ['not', 'metadata'] });
      expectError(answer, 401, 'invalid_token');
    });

    it('answers a forged token with 401 and error="invalid_token" in the challenge', async () => {
      const [header, payload] = adminToken.split('.');
      const answer = await call('GET', '/admin/clients', {
        token: `${header}.${payload}.${'A'.repeat(86)}`,
      });
      expectError(answer, 401, 'invalid_token');
      expect(answer.headers.get('www-authenticate')).toMatch(
        new RegExp(`^Bearer realm="${ISSUER}", error="invalid_token", error_description="[^"]+"$`),
      );
    });
  });

  describe('clients, resources and registration', () => {
    const resourceId = 'https://api.example.test/reports';
    let clientId: string;
    let clientSecret: string;

    it('creates an API resource, gets it by its URL-encoded identifier, and lists it', async () => {
      const created = await call('POST', '/admin/resources', {
        token: adminToken,
        json: { identifier: resourceId, name: 'Reports', scopes: ['reports:read'] },
      });
      expect(created.status).toBe(201);
      expectNoStore(created);
      expect(created.body).toMatchObject({ identifier: resourceId, scopes: ['reports:read'] });

      const fetched = await call('GET', `/admin/resources/${encodeURIComponent(resourceId)}`, {
        token: adminToken,
      });
      expect(fetched.status).toBe(200);
      expect(fetched.body.identifier).toBe(resourceId);

      const list = await call('GET', '/admin/resources?limit=10', { token: adminToken });
      expect(list.status).toBe(200);
      expect((list.body.items as { identifier: string }[]).map((r) => r.identifier)).toContain(
        resourceId,
      );
      expect(list.body).toHaveProperty('next_cursor');
    });

    it('answers a duplicate resource with 409 conflict', async () => {
      const answer = await call('POST', '/admin/resources', {
        token: adminToken,
        json: { identifier: resourceId, name: 'Again', scopes: ['reports:read'] },
      });
      expectError(answer, 409, 'conflict');
    });

    it('patches a resource, also as application/merge-patch+json', async () => {
      const route = `/admin/resources/${encodeURIComponent(resourceId)}`;
      const patched = await call('PATCH', route, {
        token: adminToken,
        json: { name: 'Reports API' },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      expect(patched.status).toBe(200);
      expect(patched.body.name).toBe('Reports API');
    });

    it('creates a confidential client and shows its secret once', async () => {
      const answer = await call('POST', '/admin/clients', {
        token: adminToken,
        json: {
          client_name: 'Reports batch',
          grant_types: ['client_credentials'],
          scope: 'reports:read',
        },
      });
      expect(answer.status).toBe(201);
      expectNoStore(answer);
      expect(answer.body).toMatchObject({
        client_name: 'Reports batch',
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        client_secret_expires_at: 0,
      });
      expect(answer.body.client_id_issued_at).toEqual(expect.any(Number));
      expect(answer.body).not.toHaveProperty('secret_hashes');
      clientId = answer.body.client_id as string;
      clientSecret = answer.body.client_secret as string;
      expect(clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);

      const fetched = await call('GET', `/admin/clients/${clientId}`, { token: adminToken });
      expect(fetched.status).toBe(200);
      expect(fetched.body.client_id).toBe(clientId);
      expect(fetched.body).not.toHaveProperty('client_secret');
      expect(fetched.body).not.toHaveProperty('secret_hashes');
    });

    it('lists clients a page at a time', async () => {
      const first = await call('GET', '/admin/clients?limit=1', { token: adminToken });
      expect(first.status).toBe(200);
      expect(first.body.items).toHaveLength(1);
      expect(first.body.next_cursor).toEqual(expect.any(String));
      const second = await call(
        'GET',
        `/admin/clients?limit=1&cursor=${encodeURIComponent(first.body.next_cursor as string)}`,
        { token: adminToken },
      );
      expect(second.status).toBe(200);
      const ids = [first, second].flatMap((p) =>
        (p.body.items as { client_id: string }[]).map((c) => c.client_id),
      );
      expect(new Set(ids).size).toBe(2);
      for (const item of [...(first.body.items as object[]), ...(second.body.items as object[])]) {
        expect(item).not.toHaveProperty('secret_hashes');
      }
    });

    it('refuses bad list parameters with 400 invalid_request', async () => {
      expectError(
        await call('GET', '/admin/clients?limit=0', { token: adminToken }),
        400,
        'invalid_request',
      );
      expectError(
        await call('GET', '/admin/clients?limit=ten', { token: adminToken }),
        400,
        'invalid_request',
      );
      expectError(
        await call('GET', '/admin/clients?limit=1&limit=2', { token: adminToken }),
        400,
        'invalid_request',
      );
      expectError(
        await call('GET', '/admin/clients?cursor=not-a-cursor', { token: adminToken }),
        400,
        'invalid_request',
      );
    });

    it('answers 403 insufficient_scope to a valid token without admin', async () => {
      // For the issuer alone: an API scope would make the token its API's (docs/architecture.md §3).
      const issued = await clientCredentials(
        clientId,
        clientSecret,
        `&resource=${encodeURIComponent(ISSUER)}`,
      );
      expect(issued.status).toBe(200);
      expect(issued.body.scope).toBeUndefined();
      const answer = await call('GET', '/admin/clients', {
        token: issued.body.access_token as string,
      });
      expectError(answer, 403, 'insufficient_scope');
      expect(answer.headers.get('www-authenticate')).toMatch(
        new RegExp(`^Bearer realm="${ISSUER}", error="insufficient_scope"`),
      );
    });

    it('answers 401 to a token issued for another audience (a resource)', async () => {
      const issued = await clientCredentials(
        clientId,
        clientSecret,
        `&resource=${encodeURIComponent(resourceId)}`,
      );
      expect(issued.status).toBe(200);
      const answer = await call('GET', '/admin/clients', {
        token: issued.body.access_token as string,
      });
      expectError(answer, 401, 'invalid_token');
    });

    it('patches a client (merge), and the patch is kept', async () => {
      const patched = await call('PATCH', `/admin/clients/${clientId}`, {
        token: adminToken,
        json: { client_name: 'Reports nightly batch' },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        client_name: 'Reports nightly batch',
        scope: 'reports:read',
        grant_types: ['client_credentials'],
      });
      const fetched = await call('GET', `/admin/clients/${clientId}`, { token: adminToken });
      expect(fetched.body.client_name).toBe('Reports nightly batch');
    });

    it('rotates the secret: the new one works, the old one stops at once without grace', async () => {
      const rotated = await call('POST', `/admin/clients/${clientId}/secret`, {
        token: adminToken,
        json: { grace_period_seconds: 0 },
      });
      expect(rotated.status).toBe(200);
      expectNoStore(rotated);
      expect(rotated.body.client_id).toBe(clientId);
      const newSecret = rotated.body.client_secret as string;
      expect(newSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(newSecret).not.toBe(clientSecret);
      expect((await clientCredentials(clientId, newSecret)).status).toBe(200);
      expectError(await clientCredentials(clientId, clientSecret), 401, 'invalid_client');
      clientSecret = newSecret;
    });

    it('refuses a bad grace period with 400 invalid_request', async () => {
      const answer = await call('POST', `/admin/clients/${clientId}/secret`, {
        token: adminToken,
        json: { grace_period_seconds: 'soon' },
      });
      expectError(answer, 400, 'invalid_request');
    });

    it('answers bad metadata with the registry RFC 7591 errors, unchanged', async () => {
      const metadata = await call('POST', '/admin/clients', {
        token: adminToken,
        json: { grant_types: ['implicit'] },
      });
      expectError(metadata, 400, 'invalid_client_metadata');
      const redirect = await call('POST', '/admin/clients', {
        token: adminToken,
        json: { redirect_uris: ['not a uri'] },
      });
      expectError(redirect, 400, 'invalid_redirect_uri');
    });

    it('answers a body that is not a JSON object with 400 invalid_request', async () => {
      expectError(
        await call('POST', '/admin/clients', { token: adminToken, json: ['redirect_uris'] }),
        400,
        'invalid_request',
      );
      expectError(
        await call('POST', '/admin/clients', {
          token: adminToken,
          form: 'client_name=x',
        }),
        400,
        'invalid_request',
      );
      expectError(
        await call('POST', '/admin/clients', {
          token: adminToken,
          headers: { 'content-type': 'application/json' },
          form: '{"client_name":',
        }),
        400,
        'invalid_request',
      );
    });

    it('answers unknown clients and resources with 404 not_found', async () => {
      expectError(
        await call('GET', '/admin/clients/no-such-client', { token: adminToken }),
        404,
        'not_found',
      );
      expectError(
        await call('PATCH', '/admin/clients/no-such-client', { token: adminToken, json: {} }),
        404,
        'not_found',
      );
      expectError(
        await call('DELETE', '/admin/clients/no-such-client', { token: adminToken }),
        404,
        'not_found',
      );
      expectError(
        await call('POST', '/admin/clients/no-such-client/secret', { token: adminToken }),
        404,
        'not_found',
      );
      expectError(
        await call(
          'GET',
          `/admin/resources/${encodeURIComponent('https://nowhere.example.test')}`,
          {
            token: adminToken,
          },
        ),
        404,
        'not_found',
      );
    });

    it('deletes a client: 204, then 404, and its secret no longer works', async () => {
      const deleted = await call('DELETE', `/admin/clients/${clientId}`, { token: adminToken });
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      expectNoStore(deleted);
      expectError(
        await call('GET', `/admin/clients/${clientId}`, { token: adminToken }),
        404,
        'not_found',
      );
      expectError(await clientCredentials(clientId, clientSecret), 401, 'invalid_client');
    });

    it('deletes a resource: 204, then 404', async () => {
      const route = `/admin/resources/${encodeURIComponent(resourceId)}`;
      expect((await call('DELETE', route, { token: adminToken })).status).toBe(204);
      expectError(await call('GET', route, { token: adminToken }), 404, 'not_found');
    });

    describe('dynamic registration (RFC 7591, RFC 7592)', () => {
      let initialAccessToken: string;
      let registered: Record<string, unknown>;
      let registrationToken: string;

      it('issues an initial access token', async () => {
        const answer = await call('POST', '/admin/initial-access-tokens', {
          token: adminToken,
          json: { expires_in: 600, max_uses: 2 },
        });
        expect(answer.status).toBe(201);
        expectNoStore(answer);
        initialAccessToken = answer.body.initial_access_token as string;
        expect(initialAccessToken).toEqual(expect.any(String));
        expect(Date.parse(answer.body.expires_at as string)).toBeGreaterThan(Date.now());
      });

      it('refuses registration without a token: 401 invalid_token, bare Bearer challenge', async () => {
        const answer = await call('POST', '/register', {
          json: { redirect_uris: ['https://app.example.test/cb'] },
        });
        expectError(answer, 401, 'invalid_token');
        expect(answer.headers.get('www-authenticate')).toBe(`Bearer realm="${ISSUER}"`);
      });

      it('refuses registration with a wrong initial access token', async () => {
        const answer = await call('POST', '/register', {
          token: 'not-an-initial-access-token',
          json: { redirect_uris: ['https://app.example.test/cb'] },
        });
        expectError(answer, 401, 'invalid_token');
        expect(answer.headers.get('www-authenticate')).toMatch(
          /^Bearer realm="[^"]+", error="invalid_token"/,
        );
      });

      it('refuses bad metadata, and what a self-registered client may not ask for', async () => {
        expectError(
          await call('POST', '/register', {
            token: initialAccessToken,
            json: { redirect_uris: ['javascript:alert(1)'] },
          }),
          400,
          'invalid_redirect_uri',
        );
        expectError(
          await call('POST', '/register', {
            token: initialAccessToken,
            json: { grant_types: ['client_credentials'], scope: 'admin' },
          }),
          400,
          'invalid_client_metadata',
        );
        expectError(
          await call('POST', '/register', {
            token: initialAccessToken,
            json: { redirect_uris: ['https://app.example.test/cb'], skip_consent: true },
          }),
          400,
          'invalid_client_metadata',
        );
      });

      it('registers a client: 201 with its secret, registration token and URI', async () => {
        const answer = await call('POST', '/register', {
          token: initialAccessToken,
          json: { client_name: 'Self-service app', redirect_uris: ['https://app.example.test/cb'] },
        });
        expect(answer.status).toBe(201);
        expectNoStore(answer);
        registered = answer.body;
        expect(registered).toMatchObject({
          client_name: 'Self-service app',
          redirect_uris: ['https://app.example.test/cb'],
          grant_types: ['authorization_code'],
          client_secret_expires_at: 0,
        });
        expect(registered.client_secret).toEqual(expect.any(String));
        expect(registered.registration_client_uri).toBe(
          `${ISSUER}/register/${encodeURIComponent(registered.client_id as string)}`,
        );
        // The administrator's bookkeeping is not part of RFC 7591's answer.
        expect(registered).not.toHaveProperty('disabled');
        expect(registered).not.toHaveProperty('created_at');
        registrationToken = registered.registration_access_token as string;
        expect(registrationToken).toEqual(expect.any(String));
      });

      const registration = () => `/register/${encodeURIComponent(registered.client_id as string)}`;

      it('reads the registration with its registration access token', async () => {
        const answer = await call('GET', registration(), { token: registrationToken });
        expect(answer.status).toBe(200);
        expectNoStore(answer);
        expect(answer.body).toMatchObject({
          client_id: registered.client_id,
          client_name: 'Self-service app',
          registration_client_uri: registered.registration_client_uri,
        });
        expect(answer.body).not.toHaveProperty('client_secret');
      });

      it('refuses a wrong or missing registration access token with 401 invalid_token', async () => {
        expectError(
          await call('GET', registration(), { token: initialAccessToken }),
          401,
          'invalid_token',
        );
        expectError(await call('GET', registration()), 401, 'invalid_token');
        expectError(
          await call('GET', '/register/no-such-client', { token: registrationToken }),
          401,
          'invalid_token',
        );
        expectError(
          await call('DELETE', registration(), { token: 'wrong-token' }),
          401,
          'invalid_token',
        );
      });

      it('replaces the registration with PUT (omitted fields go back to defaults)', async () => {
        const answer = await call('PUT', registration(), {
          token: registrationToken,
          json: {
            client_id: registered.client_id,
            redirect_uris: ['https://app.example.test/callback'],
          },
        });
        expect(answer.status).toBe(200);
        expect(answer.body.redirect_uris).toEqual(['https://app.example.test/callback']);
        expect(answer.body).not.toHaveProperty('client_name');
        const read = await call('GET', registration(), { token: registrationToken });
        expect(read.body.redirect_uris).toEqual(['https://app.example.test/callback']);
      });

      it('refuses a PUT naming another client_id', async () => {
        const answer = await call('PUT', registration(), {
          token: registrationToken,
          json: { client_id: 'someone-else', redirect_uris: ['https://app.example.test/cb'] },
        });
        expectError(answer, 400, 'invalid_request');
      });

      it('deletes the registration: 204, then the token no longer works', async () => {
        const deleted = await call('DELETE', registration(), { token: registrationToken });
        expect(deleted.status).toBe(204);
        expectError(
          await call('GET', registration(), { token: registrationToken }),
          401,
          'invalid_token',
        );
        expectError(
          await call('GET', `/admin/clients/${registered.client_id as string}`, {
            token: adminToken,
          }),
          404,
          'not_found',
        );
      });
    });
  });

  describe('OpenAPI and Swagger UI (public)', () => {
    it('serves the OpenAPI document without a token', async () => {
      const answer = await call('GET', '/admin/openapi.json');
      expect(answer.status).toBe(200);
      const doc = answer.body as {
        openapi: string;
        paths: Record<string, Record<string, { security?: unknown[] }>>;
        components: { securitySchemes: Record<string, unknown> };
        servers: { url: string }[];
      };
      expect(doc.openapi).toMatch(/^3\./);
      expect(doc.servers).toEqual([{ url: ISSUER }]);
      expect(Object.keys(doc.paths).sort()).toEqual([
        '/admin/audit',
        '/admin/audit/checkpoints',
        '/admin/audit/export',
        '/admin/audit/keys',
        '/admin/audit/stream',
        '/admin/audit/verify',
        '/admin/claim-scopes',
        '/admin/claim-scopes/{name}',
        '/admin/clients',
        '/admin/clients/{client_id}',
        '/admin/clients/{client_id}/secret',
        '/admin/grants/{grant_id}',
        '/admin/identity-providers',
        '/admin/identity-providers/{id}',
        '/admin/initial-access-tokens',
        '/admin/keys/rotate',
        '/admin/resources',
        '/admin/resources/{identifier}',
        '/admin/users',
        '/admin/users/{id}',
        '/admin/users/{id}/consents',
        '/admin/users/{id}/consents/{client_id}',
        '/admin/users/{id}/grants',
        '/admin/users/{id}/sessions',
        '/register',
        '/register/{client_id}',
      ]);
      expect(Object.keys(doc.paths['/admin/clients/{client_id}']!).sort()).toEqual([
        'delete',
        'get',
        'patch',
      ]);
      expect(doc.paths['/admin/clients']!.post!.security).toEqual([{ admin: [] }]);
      expect(doc.paths['/register']!.post!.security).toEqual([{ 'initial-access-token': [] }]);
      expect(Object.keys(doc.components.securitySchemes).sort()).toEqual([
        'admin',
        'initial-access-token',
        'registration-access-token',
      ]);
    });

    it('serves Swagger UI from its own origin under a strict CSP', async () => {
      const page = await call('GET', '/admin/docs');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      const csp = page.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).not.toContain('unsafe');
      expect(csp).toContain("frame-ancestors 'none'");
      // Every asset the page names is served here, nothing from another origin.
      const urls = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      expect(urls.length).toBeGreaterThanOrEqual(3);
      for (const url of urls) {
        expect(url.startsWith('/admin/docs/')).toBe(true);
        const asset = await fetch(`${base}${url}`);
        expect(asset.status).toBe(200);
        await asset.arrayBuffer();
      }
      const script = await fetch(`${base}/admin/docs/swagger-ui-bundle.js`);
      expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
      await script.arrayBuffer();
    });

    it('serves nothing else from the package', async () => {
      expectError(await call('GET', '/admin/docs/package.json'), 404, 'not_found');
      expectError(await call('GET', '/admin/docs/..%2Fpackage.json'), 404, 'not_found');
    });
  });
});
