import { expect } from '@jest/globals';
import { AuditClient } from '@latchkey/audit-client';
import { loadConfig, type PlatformConfig } from '@latchkey/config';
import { type JwksResponse, KV_KEY_PREFIX, TokenSubjects } from '@latchkey/contracts';
import { createKvStore, type KvStore } from '@latchkey/kv';
import {
  createTestDatabase,
  describeWithBackends,
  startTestNats,
  TEST_BACKENDS,
  type TestNats,
  uniqueSuffix,
} from '@latchkey/testing';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { Client } from 'pg';
import { FixedClock } from '@latchkey/core';
import { basicAuthorization, CLIENT_SECRET, FakeRegistryState } from '../fixtures/registry.fixture';
import { startTokenApp, type TokenApp } from '../fixtures/token-app.fixture';
import {
  accessTokenIds,
  basicCaller,
  lifecycleCalls,
  type LifecycleCalls,
  ORDERS,
  putLifecycleClients,
  signIn,
} from '../fixtures/token-lifecycle.fixture';
import { userFlowCalls, type UserFlowCalls } from '../fixtures/user-flow.fixture';
import { KeyRotationService } from '../keys/key-rotation.service';
import { UserGrantsService } from '../user-grants/user-grants.service';
import { ACTIVE_KEY_CACHE_MS } from '../keys/signing-keys.service';

jest.setTimeout(90_000);

/**
 * Revocation, introspection and key rotation as deployed: two token-service replicas on a
 * private nats-server (requests spread over both by the queue group), one Postgres database,
 * the machine's Redis for the access-token denylist. What one replica revokes or rotates, the
 * other one must honour.
 */
describeWithBackends(
  ['postgres', 'redis', 'nats'],
  'revocation, introspection and key rotation across two replicas on Postgres, Redis and NATS',
  () => {
    const suffix = uniqueSuffix();
    const issuer = `https://id-${suffix}.example.test`;
    const start = Math.floor(Date.now() / 1000) * 1000;
    const clock = new FixedClock(start);
    const registry = new FakeRegistryState();
    let db: Awaited<ReturnType<typeof createTestDatabase>>;
    let nats: TestNats;
    let replicas: TokenApp[];
    let calls: UserFlowCalls;
    let lifecycle: LifecycleCalls;
    let redis: KvStore;
    let pg: Client;

    beforeAll(async () => {
      putLifecycleClients(registry);
      db = await createTestDatabase('latchkey_token_lifecycle');
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
      replicas = [];
      replicas.push(await startTokenApp(config, registry, clock));
      replicas.push(await startTokenApp(config, registry, clock));
      calls = userFlowCalls(replicas[0]!.bus);
      lifecycle = lifecycleCalls(replicas[0]!.bus);
      redis = createKvStore({ redisUrl: TEST_BACKENDS.redis, prefix: KV_KEY_PREFIX });
      pg = new Client({ connectionString: db.url });
      await pg.connect();
    });

    afterAll(async () => {
      for (const replica of replicas ?? []) await replica.close();
      await redis?.close();
      await pg?.end();
      await nats?.stop();
      await db?.drop();
    });

    afterEach(() => {
      clock.set(start);
      jest.restoreAllMocks();
    });

    /**
     * Audit events written in a transaction, by either replica (the outbox relay may deliver and
     * delete them at any moment, so the outbox table is not the place to look).
     */
    const auditedInTransaction = () => {
      const spies = replicas.map((replica) =>
        jest.spyOn(replica.app.get(AuditClient), 'recordInTransaction'),
      );
      return () =>
        spies
          .flatMap((spy) => spy.mock.calls)
          .map(([, type, input]) => ({ type, data: input.data }));
    };

    const webApp = basicCaller('web-app');
    /** Asked often enough that both replicas answer some of the requests. */
    const everyReplicaSays = async (ask: () => Promise<unknown>) =>
      new Set(
        (await Promise.all(Array.from({ length: 8 }, ask))).map((answer) => JSON.stringify(answer)),
      );

    it('keeps a revoked access token in Redis until it expires; no replica accepts it', async () => {
      const tokens = await signIn(calls, { sub: `user-${uniqueSuffix()}` });
      const { jti, exp } = accessTokenIds(tokens.access_token);
      await lifecycle.revoke({ token: tokens.access_token }, webApp);
      const ttl = await redis.ttl(`revoked:jti:${jti}`);
      expect(ttl).toBeGreaterThan((exp + 60) * 1000 - Date.now() - 60_000);
      expect(ttl).toBeLessThanOrEqual((exp + 60) * 1000 - start + 1000);
      expect(await everyReplicaSays(() => calls.validate(tokens.access_token))).toEqual(
        new Set([JSON.stringify({ active: false })]),
      );
      expect(
        await everyReplicaSays(() => lifecycle.introspect({ token: tokens.access_token }, webApp)),
      ).toEqual(new Set([JSON.stringify({ active: false })]));
    });

    it('answers a refresh retried on the other replica with the same successor, family alive', async () => {
      const tokens = await signIn(calls, { sub: `user-${uniqueSuffix()}` });
      const onReplica = (i: number) =>
        replicas[i]!.app.get(UserGrantsService).rotate(tokens.refresh_token!, 'web-app');
      const first = await onReplica(0);
      // Late duplicates on both replicas, within the reuse window, racing each other.
      const retries = await Promise.all([0, 1, 0, 1, 0, 1].map(onReplica));
      expect(new Set(retries.map((r) => r.refreshToken))).toEqual(new Set([first.refreshToken]));
      expect(retries.every((r) => r.retry)).toBe(true);
      const rows = await pg.query<{ revoked_reason: string | null }>(
        `SELECT revoked_reason FROM token.grants WHERE id = $1`,
        [first.grant.id],
      );
      expect(rows.rows).toEqual([{ revoked_reason: null }]);
      await expect(
        calls.refresh(
          { refresh_token: first.refreshToken },
          basicAuthorization('web-app', CLIENT_SECRET),
        ),
      ).resolves.toMatchObject({ token_type: 'Bearer' });
    });

    it('revokes the grant of a refresh token in Postgres, with its audit event', async () => {
      const sub = `user-${uniqueSuffix()}`;
      const tokens = await signIn(calls, { sub });
      const audited = auditedInTransaction();
      await lifecycle.revoke({ token: tokens.refresh_token! }, webApp);
      const grants = await pg.query<{ revoked_reason: string }>(
        `SELECT revoked_reason FROM token.grants WHERE sub = $1`,
        [sub],
      );
      expect(grants.rows).toEqual([{ revoked_reason: 'client_revoked' }]);
      expect(audited()).toEqual([
        {
          type: 'token.revoked',
          data: expect.objectContaining({ sub, reason: 'client_revoked' }),
        },
      ]);
      expect(JSON.stringify(audited())).not.toContain(tokens.refresh_token);
      expect(
        await everyReplicaSays(() =>
          lifecycle.introspect({ token: tokens.refresh_token! }, webApp),
        ),
      ).toEqual(new Set([JSON.stringify({ active: false })]));
    });

    it('lists, revokes and ends the grants of a session on Postgres', async () => {
      const sub = `user-${uniqueSuffix()}`;
      const offline = await signIn(calls, { sub, sid: 'sid-pg' });
      const online = await signIn(calls, {
        sub,
        sid: 'sid-pg',
        client_id: 'bc-app',
        scope: 'openid profile',
      });
      const other = await signIn(calls, { sub, sid: 'sid-pg-2', client_id: 'other-app' });
      const { items } = await lifecycle.listGrants(sub);
      expect(items.map((grant) => grant.client_id).sort()).toEqual([
        'bc-app',
        'other-app',
        'web-app',
      ]);

      const ended = await lifecycle.endSession('sid-pg', sub);
      expect(ended.logout_tokens.map((token) => token.client_id)).toEqual(['bc-app']);
      expect((await calls.validate(online.access_token)).active).toBe(false);
      expect((await calls.validate(offline.access_token)).active).toBe(true);

      await expect(
        lifecycle.revokeGrant(accessTokenIds(other.access_token).gid!, sub),
      ).resolves.toEqual({
        revoked: true,
      });
      const reasons = await pg.query<{ client_id: string; revoked_reason: string | null }>(
        `SELECT client_id, revoked_reason FROM token.grants WHERE sub = $1 ORDER BY client_id`,
        [sub],
      );
      expect(reasons.rows).toEqual([
        { client_id: 'bc-app', revoked_reason: 'session_ended' },
        { client_id: 'other-app', revoked_reason: 'grant_revoked' },
        { client_id: 'web-app', revoked_reason: null },
      ]);
      const listed = (await lifecycle.listGrants(sub)).items
        .map((grant) => [grant.client_id, grant.revoked_at !== null])
        .sort();
      expect(listed).toEqual([
        ['bc-app', true],
        ['other-app', true],
        ['web-app', false],
      ]);
    });

    it('rotates keys: one promotion when both replicas step at once; old tokens still verify', async () => {
      const serviceToken = async () =>
        (
          await calls.token({
            params: { grant_type: 'client_credentials', resource: ORDERS },
            authorization: basicAuthorization('svc-client', CLIENT_SECRET),
          })
        ).access_token;
      const before = await serviceToken();
      const oldKid = decodeProtectedHeader(before).kid;
      const audited = auditedInTransaction();
      const { rotated } = await lifecycle.rotateKeys();
      const newKid = rotated.find((r) => r.alg === 'RS256')!.kid;
      expect(rotated.find((r) => r.alg === 'RS256')).toMatchObject({
        previous_kid: oldKid,
        activates_at: new Date(start + 120_000).toISOString(),
      });
      // A second request while it is pending names the same key.
      expect((await lifecycle.rotateKeys()).rotated).toEqual(rotated);

      clock.set(start + 120_000);
      const steps = await Promise.all(
        replicas.map((replica) => replica.app.get(KeyRotationService).step()),
      );
      expect(steps.flatMap((step) => step.promoted)).toHaveLength(3);
      const active = await pg.query<{ alg: string; kid: string }>(
        `SELECT alg, kid FROM token.signing_keys WHERE status = 'active' ORDER BY alg`,
      );
      expect(active.rows).toHaveLength(3);
      expect(active.rows.map((row) => row.kid)).toEqual(expect.arrayContaining([newKid]));

      // Past the replicas' active-key cache every token, from either replica, is new-key signed.
      clock.advance(ACTIVE_KEY_CACHE_MS);
      const after = await Promise.all(Array.from({ length: 6 }, serviceToken));
      expect(new Set(after.map((token) => decodeProtectedHeader(token).kid))).toEqual(
        new Set([newKid]),
      );
      const jwks = await replicas[1]!.bus.request<JwksResponse>(TokenSubjects.Jwks, {});
      const keySet = createLocalJWKSet(jwks);
      for (const token of [before, ...after]) {
        await expect(
          jwtVerify(token, keySet, { issuer, currentDate: clock.now() }),
        ).resolves.toBeDefined();
      }
      expect(audited().filter((event) => event.type === 'key.rotated')).toHaveLength(3);
    });
  },
);
