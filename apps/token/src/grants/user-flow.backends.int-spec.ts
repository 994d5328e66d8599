import { expect } from '@jest/globals';
import { loadConfig, type PlatformConfig } from '@latchkey/config';
import { KV_KEY_PREFIX } from '@latchkey/contracts';
import { createKvStore, type KvStore } from '@latchkey/kv';
import { InvalidGrant, type OAuthError, sha256Base64Url } from '@latchkey/oauth';
import {
  createTestDatabase,
  describeWithBackends,
  expectOAuthRejection,
  startTestNats,
  TEST_BACKENDS,
  type TestNats,
  uniqueSuffix,
} from '@latchkey/testing';
import { Client } from 'pg';
import { FixedClock } from '@latchkey/core';
import { FakeRegistryState } from '../fixtures/registry.fixture';
import { startTokenApp, type TokenApp } from '../fixtures/token-app.fixture';
import {
  codeRequest,
  pkcePair,
  userFlowCalls,
  webClient,
  type UserFlowCalls,
} from '../fixtures/user-flow.fixture';

jest.setTimeout(60_000);

/**
 * The code and refresh flows as deployed: codes in Redis (GETDEL across connections), grants and
 * refresh tokens in Postgres (a pool of connections, so concurrent rotations really race on the
 * row), the bus on a private nats-server so that no other suite's token service answers.
 */
describeWithBackends(
  ['postgres', 'redis', 'nats'],
  'authorization code and refresh tokens on Postgres, Redis and NATS',
  () => {
    const suffix = uniqueSuffix();
    const issuer = `https://id-${suffix}.example.test`;
    const start = Math.floor(Date.now() / 1000) * 1000;
    const clock = new FixedClock(start);
    const registry = new FakeRegistryState();
    let db: Awaited<ReturnType<typeof createTestDatabase>>;
    let nats: TestNats;
    let service: TokenApp;
    let calls: UserFlowCalls;
    let redis: KvStore;
    let pg: Client;

    beforeAll(async () => {
      registry.putClient(webClient());
      db = await createTestDatabase('latchkey_token_user_flow');
      nats = await startTestNats();
      const config: PlatformConfig = loadConfig({
        ISSUER: issuer,
        LOG_LEVEL: 'silent',
        KEY_ENCRYPTION_KEY: 'int-spec-key-encryption-key-0123456789',
        DATABASE_URL: db.url,
        REDIS_URL: TEST_BACKENDS.redis,
        NATS_URL: nats.url,
        BUS_TIMEOUT_MS: '5000',
      });
      service = await startTokenApp(config, registry, clock);
      calls = userFlowCalls(service.bus);
      redis = createKvStore({ redisUrl: TEST_BACKENDS.redis, prefix: KV_KEY_PREFIX });
      pg = new Client({ connectionString: db.url });
      await pg.connect();
    });

    afterAll(async () => {
      await service?.close();
      await redis?.close();
      await pg?.end();
      await nats?.stop();
      await db?.drop();
    });

    afterEach(() => clock.set(start));

    const signIn = async (sub = `user-${uniqueSuffix()}`) => {
      const pkce = pkcePair();
      const { code } = await calls.issueCode(codeRequest({ sub }, pkce));
      return { sub, response: await calls.exchange({ code, code_verifier: pkce.verifier }) };
    };

    const grantRow = async (sub: string) =>
      (
        await pg.query<{ id: string; revoked_reason: string | null; scope: string }>(
          `SELECT id, revoked_reason, scope FROM token.grants WHERE sub = $1`,
          [sub],
        )
      ).rows;

    it('keeps a code in Redis for 60 s under its hash, never under the code', async () => {
      const { code, expires_in } = await calls.issueCode(codeRequest({}, pkcePair()));
      expect(expires_in).toBe(60);
      expect(await redis.get(`code:${code}`)).toBeNull();
      const ttl = await redis.ttl(`code:${sha256Base64Url(code)}`);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      await redis.del(`code:${sha256Base64Url(code)}`);
    });

    it('stores the grant and only the hash of the refresh token in Postgres', async () => {
      const { sub, response } = await signIn();
      const grants = await grantRow(sub);
      expect(grants).toEqual([
        { id: expect.any(String), revoked_reason: null, scope: 'openid profile offline_access' },
      ]);
      const tokens = await pg.query<{ hash: string; grant_id: string }>(
        `SELECT hash, grant_id FROM token.refresh_tokens WHERE grant_id = $1`,
        [grants[0].id],
      );
      expect(tokens.rows).toEqual([
        { hash: sha256Base64Url(response.refresh_token!), grant_id: grants[0].id },
      ]);
      const dump = await pg.query(`SELECT * FROM token.refresh_tokens`);
      expect(JSON.stringify(dump.rows)).not.toContain(response.refresh_token);
    });

    it('redeems a code once with GETDEL: of 20 parallel redemptions exactly one succeeds', async () => {
      const pkce = pkcePair();
      const { code } = await calls.issueCode(codeRequest({}, pkce));
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => calls.exchange({ code, code_verifier: pkce.verifier })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(failures.map((f) => (f.reason as OAuthError).error)).toEqual(
        Array(19).fill('invalid_grant'),
      );
    });

    it('revokes the grant of a replayed code in Postgres', async () => {
      const pkce = pkcePair();
      const sub = `user-${uniqueSuffix()}`;
      const { code } = await calls.issueCode(codeRequest({ sub }, pkce));
      const first = await calls.exchange({ code, code_verifier: pkce.verifier });
      await expectOAuthRejection(
        calls.exchange({ code, code_verifier: pkce.verifier }),
        InvalidGrant,
        'invalid_grant',
      );
      expect((await grantRow(sub)).map((g) => g.revoked_reason)).toEqual(['code_reuse']);
      await expect(calls.validate(first.access_token)).resolves.toEqual({ active: false });
      await expectOAuthRejection(
        calls.refresh({ refresh_token: first.refresh_token! }),
        InvalidGrant,
        'invalid_grant',
      );
    });

    it('refuses an expired code', async () => {
      const pkce = pkcePair();
      const { code } = await calls.issueCode(codeRequest({}, pkce));
      clock.advance(61_000);
      await expectOAuthRejection(
        calls.exchange({ code, code_verifier: pkce.verifier }),
        InvalidGrant,
        'invalid_grant',
        /expired/,
      );
    });

    it('of 10 concurrent refreshes on separate connections, all get the one successor stored', async () => {
      const { sub, response } = await signIn();
      const results = await Promise.all(
        Array.from({ length: 10 }, () => calls.refresh({ refresh_token: response.refresh_token! })),
      );
      const successors = [...new Set(results.map((r) => r.refresh_token))];
      expect(successors).toHaveLength(1);
      expect((await grantRow(sub)).map((g) => g.revoked_reason)).toEqual([null]);
      const children = await pg.query<{ hash: string }>(
        `SELECT hash FROM token.refresh_tokens WHERE parent_hash = $1`,
        [sha256Base64Url(response.refresh_token!)],
      );
      expect(children.rows).toEqual([{ hash: sha256Base64Url(successors[0]!) }]);
    });

    it('revokes the family when a rotated token comes back after the reuse window', async () => {
      const { sub, response } = await signIn();
      const second = await calls.refresh({ refresh_token: response.refresh_token! });
      clock.advance(11_000);
      await expectOAuthRejection(
        calls.refresh({ refresh_token: response.refresh_token! }),
        InvalidGrant,
        'invalid_grant',
      );
      expect((await grantRow(sub)).map((g) => g.revoked_reason)).toEqual(['refresh_token_reuse']);
      await expectOAuthRejection(
        calls.refresh({ refresh_token: second.refresh_token! }),
        InvalidGrant,
        'invalid_grant',
      );
    });

    it('rotates, and revokes the whole family when a rotated token comes back', async () => {
      const { sub, response } = await signIn();
      const second = await calls.refresh({ refresh_token: response.refresh_token! });
      const third = await calls.refresh({ refresh_token: second.refresh_token! });
      await expectOAuthRejection(
        calls.refresh({ refresh_token: response.refresh_token! }),
        InvalidGrant,
        'invalid_grant',
      );
      const [grant] = await grantRow(sub);
      expect(grant.revoked_reason).toBe('refresh_token_reuse');
      const family = await pg.query<{ used: boolean; revoked: boolean }>(
        `SELECT used_at IS NOT NULL AS used, revoked_at IS NOT NULL AS revoked
           FROM token.refresh_tokens WHERE grant_id = $1 ORDER BY created_at`,
        [grant.id],
      );
      expect(family.rows).toHaveLength(3);
      expect(family.rows.every((row) => row.revoked)).toBe(true);
      await expect(calls.validate(third.access_token)).resolves.toEqual({ active: false });
    });

    it('revokes every grant of a user', async () => {
      const sub = `user-${uniqueSuffix()}`;
      const one = await signIn(sub);
      const two = await signIn(sub);
      await expect(calls.revokeUser(sub)).resolves.toEqual({ revoked: 2 });
      expect((await grantRow(sub)).map((g) => g.revoked_reason)).toEqual([
        'user_revoked',
        'user_revoked',
      ]);
      await expect(calls.validate(one.response.access_token)).resolves.toEqual({ active: false });
      await expectOAuthRejection(
        calls.refresh({ refresh_token: two.response.refresh_token! }),
        InvalidGrant,
        'invalid_grant',
      );
    });
  },
);
