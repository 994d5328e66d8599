import { expect } from '@jest/globals';
import { ClientsCache } from '@latchkey/registry-client';
import { loadConfig, type PlatformConfig } from '@latchkey/config';
import {
  BroadcastEvents,
  type ClientChangedEvent,
  type JwksResponse,
  type ResourceChangedEvent,
  TokenSubjects,
} from '@latchkey/contracts';
import { KV_TOKEN, type KvStore } from '@latchkey/kv';
import {
  InvalidClient,
  InvalidRequest,
  InvalidScope,
  InvalidTarget,
  UnauthorizedClient,
  UnsupportedGrantType,
} from '@latchkey/oauth';
import { ReadinessRegistry } from '@latchkey/platform';
import { expectOAuthRejection, uniqueSuffix } from '@latchkey/testing';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { FixedClock } from '@latchkey/core';
import { ResourcesCache } from '@latchkey/registry-client';
import {
  assertionParams,
  clientKey,
  jwksOf,
  signAssertion,
  startJwksServer,
  type ClientKey,
  type JwksServer,
} from '../fixtures/client-keys.fixture';
import {
  basicAuthorization,
  CLIENT_SECRET,
  clientRecord,
  FakeRegistryState,
  resourceView,
} from '../fixtures/registry.fixture';
import { startTokenApp, waitFor, type TokenApp } from '../fixtures/token-app.fixture';

jest.setTimeout(60_000);

const ISSUER = 'https://id.example.test';
const ORDERS = 'https://orders.example.test';

/**
 * The token endpoint as embedded mode runs it: TokenModule.forRoot on the in-process bus, PGlite
 * in memory, the memory KV, and a fake registry answering clients.get / resources.all.
 */
describe('token endpoint over the in-process bus (PGlite, memory KV)', () => {
  const clock = new FixedClock(Math.floor(Date.now() / 1000) * 1000);
  const registry = new FakeRegistryState();
  let service: TokenApp;
  let key: ClientKey;
  let jwksServer: JwksServer;

  beforeAll(async () => {
    key = await clientKey('ES256');
    jwksServer = await startJwksServer(jwksOf(key));
    registry.putClient(clientRecord({ client_id: 'svc', default_resource: ORDERS }));
    registry.putClient(
      clientRecord({
        client_id: 'pkjwt',
        token_endpoint_auth_method: 'private_key_jwt',
        secret_hashes: [],
        jwks_uri: jwksServer.uri,
      }),
    );
    registry.putClient(
      clientRecord({
        client_id: 'web-app',
        grant_types: ['authorization_code'],
        redirect_uris: ['https://app.example.test/cb'],
        response_types: ['code'],
      }),
    );
    registry.resources = [resourceView({ identifier: ORDERS, access_token_lifetime: 900 })];

    const config: PlatformConfig = {
      ...loadConfig({
        ISSUER,
        LOG_LEVEL: 'silent',
        KEY_ENCRYPTION_KEY: 'int-spec-key-encryption-key-0123456789',
        // The client's jwks_uri is served on loopback, which the operator must allow.
        OUTBOUND_ALLOWED_CIDRS: '127.0.0.0/8',
      }),
      dataDir: `memory://token-endpoint-${uniqueSuffix()}`,
    };
    service = await startTokenApp(config, registry, clock);
  });

  afterAll(async () => {
    await service?.close();
    await jwksServer?.close();
  });

  const basic = (clientId = 'svc', secret = CLIENT_SECRET) => basicAuthorization(clientId, secret);

  it('issues a client_credentials token that verifies against the service JWKS', async () => {
    const response = await service.token({
      params: { grant_type: 'client_credentials', scope: 'orders:read' },
      authorization: basic(),
    });
    expect(response).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
      scope: 'orders:read',
    });

    const jwks = await service.bus.request<JwksResponse>(TokenSubjects.Jwks, {});
    const header = decodeProtectedHeader(response.access_token);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid);
    const { payload } = await jwtVerify(response.access_token, createLocalJWKSet(jwks), {
      issuer: ISSUER,
      audience: ORDERS,
      typ: 'at+jwt',
      algorithms: ['RS256'],
      currentDate: clock.now(),
    });
    expect(payload).toMatchObject({
      sub: 'svc',
      client_id: 'svc',
      scope: 'orders:read',
      iat: clock.nowSeconds(),
      exp: clock.nowSeconds() + 900,
    });
  });

  it('serves a known client from its cache: no clients.get per request', async () => {
    await service.token({ params: { grant_type: 'client_credentials' }, authorization: basic() });
    const before = { ...registry.calls };
    for (let i = 0; i < 3; i += 1) {
      await service.token({ params: { grant_type: 'client_credentials' }, authorization: basic() });
    }
    expect(registry.calls).toEqual(before);
  });

  it('sees a client change at once after client.changed (a disabled client is refused)', async () => {
    await service.token({ params: { grant_type: 'client_credentials' }, authorization: basic() });
    const fetches = registry.calls.clientsGet;
    registry.putClient(
      clientRecord({ client_id: 'svc', default_resource: ORDERS, disabled: true }),
    );

    const clients = service.app.get(ClientsCache);
    const invalidate = jest.spyOn(clients, 'invalidate');
    const event: ClientChangedEvent = { client_id: 'svc', change: 'updated' };
    await service.bus.emit(BroadcastEvents.ClientChanged, event);
    await waitFor(() => invalidate.mock.calls.length > 0, 'the client.changed event');

    await expectOAuthRejection(
      service.token({ params: { grant_type: 'client_credentials' }, authorization: basic() }),
      InvalidClient,
      'invalid_client',
      /^client authentication failed$/,
    );
    expect(registry.calls.clientsGet).toBe(fetches + 1);

    registry.putClient(clientRecord({ client_id: 'svc', default_resource: ORDERS }));
    await service.bus.emit(BroadcastEvents.ClientChanged, event);
    await waitFor(() => invalidate.mock.calls.length > 1, 'the second client.changed event');
    await expect(
      service.token({ params: { grant_type: 'client_credentials' }, authorization: basic() }),
    ).resolves.toMatchObject({ token_type: 'Bearer' });
    invalidate.mockRestore();
  });

  it('sees a resource change after resource.changed', async () => {
    await service.token({
      params: { grant_type: 'client_credentials', scope: 'orders:read' },
      authorization: basic(),
    });
    const fetches = registry.calls.resourcesAll;
    registry.resources = [resourceView({ identifier: ORDERS, scopes: ['orders:write'] })];

    const resources = service.app.get(ResourcesCache);
    const invalidate = jest.spyOn(resources, 'invalidate');
    const event: ResourceChangedEvent = { identifier: ORDERS, change: 'updated' };
    await service.bus.emit(BroadcastEvents.ResourceChanged, event);
    await waitFor(() => invalidate.mock.calls.length > 0, 'the resource.changed event');

    await expectOAuthRejection(
      service.token({
        params: { grant_type: 'client_credentials', scope: 'orders:read' },
        authorization: basic(),
      }),
      InvalidScope,
      'invalid_scope',
      /^scope not defined by a registered resource$/,
    );
    expect(registry.calls.resourcesAll).toBe(fetches + 1);
    registry.resources = [resourceView({ identifier: ORDERS, access_token_lifetime: 900 })];
    resources.invalidate();
    invalidate.mockRestore();
  });

  it('authenticates private_key_jwt against a loopback jwks_uri and refuses a replay', async () => {
    const assertion = await signAssertion(key, {
      clientId: 'pkjwt',
      audience: `${ISSUER}/token`,
      now: clock.nowSeconds(),
    });
    const params = { grant_type: 'client_credentials', ...assertionParams(assertion) };
    const response = await service.token({ params });
    expect(response.token_type).toBe('Bearer');
    await expectOAuthRejection(service.token({ params }), InvalidClient, 'invalid_client');
  });

  it('rebuilds every refusal on the caller side with its class and status', async () => {
    await expectOAuthRejection(
      service.token({ params: { scope: 'orders:read' }, authorization: basic() }),
      InvalidRequest,
      'invalid_request',
      /grant_type is required/,
    );
    await expectOAuthRejection(
      service.token({
        params: { grant_type: ['client_credentials', 'client_credentials'] },
        authorization: basic(),
      }),
      InvalidRequest,
      'invalid_request',
    );
    await expectOAuthRejection(
      service.token({
        params: {
          grant_type: 'client_credentials',
          client_id: 'svc',
          client_secret: CLIENT_SECRET,
        },
        authorization: basic(),
      }),
      InvalidRequest,
      'invalid_request',
      /only one client authentication method/,
    );
    await expectOAuthRejection(
      service.token({ params: { grant_type: 'client_credentials' } }),
      InvalidClient,
      'invalid_client',
    );
    await expectOAuthRejection(
      service.token({
        params: { grant_type: 'client_credentials' },
        authorization: basic('svc', 'wrong'),
      }),
      InvalidClient,
      'invalid_client',
      /^client authentication failed$/,
    );
    await expectOAuthRejection(
      service.token({
        params: { grant_type: 'client_credentials' },
        authorization: basic('ghost'),
      }),
      InvalidClient,
      'invalid_client',
      /^client authentication failed$/,
    );
    await expectOAuthRejection(
      service.token({ params: { grant_type: 'password' }, authorization: basic() }),
      UnsupportedGrantType,
      'unsupported_grant_type',
    );
    await expectOAuthRejection(
      service.token({
        params: { grant_type: 'client_credentials' },
        authorization: basic('web-app'),
      }),
      UnauthorizedClient,
      'unauthorized_client',
    );
    await expectOAuthRejection(
      service.token({
        params: { grant_type: 'client_credentials', resource: 'https://nowhere.example.test' },
        authorization: basic(),
      }),
      InvalidTarget,
      'invalid_target',
    );
  });

  it('registers a kv readiness probe on its store', async () => {
    const probes = service.app.get(ReadinessRegistry).list();
    const kv = probes.find((probe) => probe.name === 'kv');
    expect(kv).toBeDefined();
    await expect(kv!.check()).resolves.toEqual(expect.any(Number));
    expect(service.app.get<KvStore>(KV_TOKEN)).toBeDefined();
  });
});
