import { expect } from '@jest/globals';
import { AuditClient } from '@latchkey/audit-client';
import { loadConfig, type PlatformConfig } from '@latchkey/config';
import {
  createTestDatabase,
  describeWithBackends,
  startTestNats,
  TEST_BACKENDS,
  type TestNats,
  uniqueSuffix,
} from '@latchkey/testing';
import Redis from 'ioredis';
import { Client } from 'pg';
import { FixedClock } from '@latchkey/core';
import { FakeRegistryState } from '../fixtures/registry.fixture';
import { startTokenApp, type TokenApp } from '../fixtures/token-app.fixture';
import {
  accessTokenIds,
  basicCaller,
  lifecycleCalls,
  putLifecycleClients,
  signIn,
} from '../fixtures/token-lifecycle.fixture';
import { userFlowCalls } from '../fixtures/user-flow.fixture';
import { RevokedAccessTokensRestorer } from './revoked-access-tokens.restorer';

jest.setTimeout(90_000);

/**
 * A Redis database index of this suite's own, so that flushing it (as a Redis restart without
 * persistence would) touches no other suite's keys.
 */
const REDIS_DB = 13;

/**
 * The access-token denylist outlives Redis: revocations are kept in Postgres and the Redis
 * entries rebuilt from there, at start and when the store is found flushed.
 */
describeWithBackends(
  ['postgres', 'redis'],
  'revoked access tokens after a Redis flush (Postgres, Redis)',
  () => {
    const suffix = uniqueSuffix();
    const start = Math.floor(Date.now() / 1000) * 1000;
    const clock = new FixedClock(start);
    const registry = new FakeRegistryState();
    const redisUrl = Object.assign(new URL(TEST_BACKENDS.redis), { pathname: `/${REDIS_DB}` });
    let db: Awaited<ReturnType<typeof createTestDatabase>>;
    let nats: TestNats;
    let config: PlatformConfig;
    let service: TokenApp;
    let redis: Redis;
    let pg: Client;

    beforeAll(async () => {
      putLifecycleClients(registry);
      db = await createTestDatabase('latchkey_token_denylist');
      nats = await startTestNats();
      config = loadConfig({
        ISSUER: `https://id-${suffix}.example.test`,
        LOG_LEVEL: 'silent',
        KEY_ENCRYPTION_KEY: 'int-spec-key-encryption-key-0123456789',
        DATABASE_URL: db.url,
        REDIS_URL: redisUrl.toString(),
        NATS_URL: nats.url,
        BUS_TIMEOUT_MS: '5000',
      });
      service = await startTokenApp(config, registry, clock);
      redis = new Redis(redisUrl.toString(), { lazyConnect: true });
      await redis.connect();
      pg = new Client({ connectionString: db.url });
      await pg.connect();
    });

    afterAll(async () => {
      await service?.close();
      await redis?.flushdb();
      redis?.disconnect();
      await pg?.end();
      await nats?.stop();
      await db?.drop();
    });

    afterEach(() => {
      clock.set(start);
      jest.restoreAllMocks();
    });

    const webApp = basicCaller('web-app');

    /** A user's token, revoked through RFC 7009. */
    const revokedToken = async () => {
      const calls = userFlowCalls(service.bus);
      const tokens = await signIn(calls, { sub: `user-${uniqueSuffix()}` });
      await lifecycleCalls(service.bus).revoke({ token: tokens.access_token }, webApp);
      await expect(calls.validate(tokens.access_token)).resolves.toEqual({ active: false });
      return tokens.access_token;
    };

    const validate = (token: string) => userFlowCalls(service.bus).validate(token);

    it('keeps the revocation in Postgres until the token has expired, with its audit event', async () => {
      const audit = jest.spyOn(service.app.get(AuditClient), 'recordInTransaction');
      const token = await revokedToken();
      const { jti, exp } = accessTokenIds(token);
      // The code exchange before it records its own events (code.redeemed, grant.created).
      const revocations = audit.mock.calls.filter(([, type]) => type === 'token.revoked');
      expect(revocations.map(([, type, input]) => [type, input.data?.jti])).toEqual([
        ['token.revoked', jti],
      ]);
      const rows = await pg.query<{ expires_at: Date }>(
        `SELECT expires_at FROM token.revoked_access_tokens WHERE jti = $1`,
        [jti],
      );
      expect(rows.rows).toHaveLength(1);
      expect(rows.rows[0]!.expires_at.getTime()).toBeGreaterThanOrEqual(exp * 1000);
    });

    it('refuses a revoked token again after FLUSHDB and a restart of the token service', async () => {
      const token = await revokedToken();
      await redis.flushdb();
      await service.close();
      service = await startTokenApp(config, registry, clock);
      await expect(validate(token)).resolves.toEqual({ active: false });
    });

    it('refuses a revoked token again after FLUSHDB, at the next check, without a restart', async () => {
      const token = await revokedToken();
      await redis.flushdb();
      await service.app.get(RevokedAccessTokensRestorer).check();
      await expect(validate(token)).resolves.toEqual({ active: false });
    });

    it('forgets revocations once their tokens have expired', async () => {
      const token = await revokedToken();
      const { jti, exp } = accessTokenIds(token);
      clock.set((exp + 3600) * 1000);
      await redis.flushdb();
      await service.app.get(RevokedAccessTokensRestorer).check();
      const rows = await pg.query(`SELECT 1 FROM token.revoked_access_tokens WHERE jti = $1`, [
        jti,
      ]);
      expect(rows.rowCount).toBe(0);
      expect(await redis.exists(`latchkey:revoked:jti:${jti}`)).toBe(0);
    });
  },
);
