import { ClientsCache } from '@latchkey/registry-client';
import { loadConfig, type PlatformConfig } from '@latchkey/config';
import {
  BroadcastEvents,
  type ClientChangedEvent,
  type JwksResponse,
  KV_KEY_PREFIX,
  TokenSubjects,
} from '@latchkey/contracts';
import { createKvStore, KV_TOKEN, type KvStore } from '@latchkey/kv';
import { InvalidClient } from '@latchkey/oauth';
import {
  createTestDatabase,
  describeWithBackends,
  expectOAuthRejection,
  TEST_BACKENDS,
  uniqueSuffix,
} from '@latchkey/testing';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { FixedClock } from '@latchkey/core';
import {
  assertionParams,
  clientKey,
  jwksOf,
  signAssertion,
  type ClientKey,
} from '../fixtures/client-keys.fixture';
import {
  CLIENT_SECRET,
  clientRecord,
  FakeRegistryState,
  resourceView,
} from '../fixtures/registry.fixture';
import { startTokenApp, waitFor, type TokenApp } from '../fixtures/token-app.fixture';
import type { TokenClient } from '../clients/client-record';

jest.setTimeout(60_000);

const ORDERS = 'https://orders.example.test';

/**
 * The token service as deployed: NATS between services, signing keys in Postgres, used client
 * assertion ids in Redis. The registry is a fake on the same NATS (ids are unique per run).
 */
describeWithBackends(
  ['postgres', 'redis', 'nats'],
  'token endpoint on Postgres, Redis and NATS',
  () => {
    const suffix = uniqueSuffix();
    const issuer = `https://id-${suffix}.example.test`;
    const secretClientId = `svc-${suffix}`;
    const jwtClientId = `pkjwt-${suffix}`;
    const clock = new FixedClock(Math.floor(Date.now() / 1000) * 1000);
    const registry = new FakeRegistryState();
    let db: Awaited<ReturnType<typeof createTestDatabase>>;
    let service: TokenApp | undefined;
    let key: ClientKey;
    let redis: KvStore;

    beforeAll(async () => {
      key = await clientKey('ES256');
      registry.putClient(
        clientRecord({
          client_id: secretClientId,
          token_endpoint_auth_method: 'client_secret_post',
          default_resource: ORDERS,
        }),
      );
      registry.putClient(
        clientRecord({
          client_id: jwtClientId,
          token_endpoint_auth_method: 'private_key_jwt',
          secret_hashes: [],
          jwks: jwksOf(key) as TokenClient['jwks'],
        }),
      );
      registry.resources = [resourceView({ identifier: ORDERS, access_token_lifetime: 900 })];

      db = await createTestDatabase('latchkey_token_int');
      const config: PlatformConfig = loadConfig({
        ISSUER: issuer,
        LOG_LEVEL: 'silent',
        KEY_ENCRYPTION_KEY: 'int-spec-key-encryption-key-0123456789',
        DATABASE_URL: db.url,
        REDIS_URL: TEST_BACKENDS.redis,
        NATS_URL: TEST_BACKENDS.nats,
        BUS_TIMEOUT_MS: '2000',
      });
      service = await startTokenApp(config, registry, clock);
      // The replay check's own view of Redis, under the service's prefix.
      redis = createKvStore({ redisUrl: TEST_BACKENDS.redis, prefix: KV_KEY_PREFIX });
    });

    afterAll(async () => {
      await service?.close();
      await redis?.close();
      await db?.drop();
    });

    const post = (params: Record<string, string>) =>
      service!.token({ params: { grant_type: 'client_credentials', ...params } });

    it('issues a token over NATS, signed with the key kept in Postgres', async () => {
      const response = await post({ client_id: secretClientId, client_secret: CLIENT_SECRET });
      expect(response).toMatchObject({
        token_type: 'Bearer',
        expires_in: 900,
        scope: 'orders:read orders:write',
      });
      const jwks = await service!.bus.request<JwksResponse>(TokenSubjects.Jwks, {});
      const { payload, protectedHeader } = await jwtVerify(
        response.access_token,
        createLocalJWKSet(jwks),
        {
          issuer,
          audience: ORDERS,
          typ: 'at+jwt',
          algorithms: ['RS256'],
          currentDate: clock.now(),
        },
      );
      expect(protectedHeader.typ).toBe('at+jwt');
      expect(payload).toMatchObject({
        sub: secretClientId,
        client_id: secretClientId,
        iat: clock.nowSeconds(),
        exp: clock.nowSeconds() + 900,
      });

      const { Client } = await import('pg');
      const pg = new Client({ connectionString: db.url });
      await pg.connect();
      try {
        const rows = await pg.query<{ kid: string }>(
          `SELECT kid FROM token.signing_keys WHERE alg = 'RS256' AND status = 'active'`,
        );
        expect(rows.rows.map((row) => row.kid)).toEqual([protectedHeader.kid]);
      } finally {
        await pg.end();
      }
    });

    it('refuses a replayed client assertion, remembering its jti in Redis until it expires', async () => {
      const assertion = await signAssertion(key, {
        clientId: jwtClientId,
        audience: issuer,
        now: clock.nowSeconds(),
        lifetimeSeconds: 120,
      });
      const jti = decodeJwt(assertion).jti as string;
      const response = await post(assertionParams(assertion));
      expect(response.token_type).toBe('Bearer');

      const ttl = await redis.ttl(`pkjwt:jti:${jwtClientId}:${jti}`);
      expect(ttl).toBeGreaterThan(100_000);
      expect(ttl).toBeLessThanOrEqual(135_000);

      await expectOAuthRejection(
        post(assertionParams(assertion)),
        InvalidClient,
        'invalid_client',
        /^client authentication failed$/,
      );
      await redis.del(`pkjwt:jti:${jwtClientId}:${jti}`);
    });

    it('drops its cached client on a client.changed broadcast from NATS', async () => {
      await post({ client_id: secretClientId, client_secret: CLIENT_SECRET });
      const fetches = registry.calls.clientsGet;
      registry.putClient(
        clientRecord({
          client_id: secretClientId,
          token_endpoint_auth_method: 'client_secret_post',
          disabled: true,
        }),
      );
      const invalidate = jest.spyOn(service!.app.get(ClientsCache), 'invalidate');
      const event: ClientChangedEvent = { client_id: secretClientId, change: 'updated' };
      await service!.bus.emit(BroadcastEvents.ClientChanged, event);
      await waitFor(() => invalidate.mock.calls.length > 0, 'the client.changed event');

      await expectOAuthRejection(
        post({ client_id: secretClientId, client_secret: CLIENT_SECRET }),
        InvalidClient,
        'invalid_client',
      );
      expect(registry.calls.clientsGet).toBe(fetches + 1);
    });

    it('closes its Redis connection when it stops', async () => {
      const kv = service!.app.get<KvStore>(KV_TOKEN);
      await expect(kv.ping()).resolves.toEqual(expect.any(Number));
      await service!.close();
      service = undefined;
      await expect(kv.ping()).rejects.toThrow();
    });
  },
);
