import { AuditClient } from '@latchkey/audit-client';
import { loadConfig, type PlatformConfig } from '@latchkey/config';
import { KV_TOKEN, type KvStore } from '@latchkey/kv';
import { InvalidClient, InvalidGrant, InvalidRequest } from '@latchkey/oauth';
import { expectOAuthRejection, uniqueSuffix } from '@latchkey/testing';
import { generateKeyPair, SignJWT } from 'jose';
import { FixedClock } from '@latchkey/core';
import { basicAuthorization, FakeRegistryState } from '../fixtures/registry.fixture';
import { startTokenApp, type TokenApp } from '../fixtures/token-app.fixture';
import {
  accessTokenIds,
  basicCaller,
  LIFECYCLE_ISSUER as ISSUER,
  lifecycleCalls,
  type LifecycleCalls,
  ORDERS,
  putLifecycleClients,
  signIn,
} from '../fixtures/token-lifecycle.fixture';
import {
  REDIRECT_URI,
  SPA_REDIRECT_URI,
  userFlowCalls,
  type UserFlowCalls,
} from '../fixtures/user-flow.fixture';

jest.setTimeout(60_000);

/**
 * RFC 7009 over the in-process bus (PGlite, memory KV, fake registry, frozen clock): what a
 * revocation does to refresh tokens, grants and access tokens, the hint, tokens of other clients,
 * garbage, and the request and authentication errors.
 */
describe('token revocation (RFC 7009) over the in-process bus', () => {
  const start = Math.floor(Date.now() / 1000) * 1000;
  const clock = new FixedClock(start);
  const registry = new FakeRegistryState();
  let service: TokenApp;
  let calls: UserFlowCalls;
  let lifecycle: LifecycleCalls;
  let kv: KvStore;
  // The calls of AuditClient.record and recordInTransaction, spied on afresh in each test.
  let revokedEvents: Array<{ mock: { calls: unknown[][] } }>;

  beforeAll(async () => {
    putLifecycleClients(registry);
    const config: PlatformConfig = {
      ...loadConfig({
        ISSUER,
        LOG_LEVEL: 'silent',
        KEY_ENCRYPTION_KEY: 'int-spec-key-encryption-key-0123456789',
      }),
      dataDir: `memory://revocation-${uniqueSuffix()}`,
    };
    service = await startTokenApp(config, registry, clock);
    calls = userFlowCalls(service.bus);
    lifecycle = lifecycleCalls(service.bus);
    kv = service.app.get(KV_TOKEN);
  });

  beforeEach(() => {
    const audit = service.app.get(AuditClient);
    revokedEvents = [jest.spyOn(audit, 'record'), jest.spyOn(audit, 'recordInTransaction')];
  });

  afterEach(() => {
    clock.set(start);
    jest.restoreAllMocks();
  });

  afterAll(async () => {
    await service?.close();
  });

  const webApp = basicCaller('web-app');
  const isActive = async (accessToken: string) => (await calls.validate(accessToken)).active;
  const auditedRevocations = () =>
    revokedEvents
      .flatMap((spy) => spy.mock.calls)
      .filter((args: unknown[]) => args.includes('token.revoked'))
      .map((args: unknown[]) => (args.at(-1) as { data: Record<string, unknown> }).data);

  describe('a refresh token', () => {
    it('ends its whole grant: the refresh token, its successors and the access tokens', async () => {
      const first = await signIn(calls);
      const second = await calls.refresh({ refresh_token: first.refresh_token! });
      await expect(lifecycle.revoke({ token: first.refresh_token! }, webApp)).resolves.toEqual({});
      await expectOAuthRejection(
        calls.refresh({ refresh_token: second.refresh_token! }),
        InvalidGrant,
        'invalid_grant',
      );
      expect(await isActive(first.access_token)).toBe(false);
      expect(await isActive(second.access_token)).toBe(false);
      const { gid } = accessTokenIds(first.access_token);
      expect(auditedRevocations()).toEqual([
        expect.objectContaining({
          client_id: 'web-app',
          sub: 'user-1',
          grant: gid,
          reason: 'client_revoked',
          token_type: 'refresh_token',
          ip: '198.51.100.7',
        }),
      ]);
      expect(JSON.stringify(auditedRevocations())).not.toContain(first.refresh_token);
    });

    it('is revoked with token_type_hint=refresh_token, and with the wrong hint too', async () => {
      for (const hint of ['refresh_token', 'access_token']) {
        const tokens = await signIn(calls);
        await lifecycle.revoke({ token: tokens.refresh_token!, token_type_hint: hint }, webApp);
        expect(await isActive(tokens.access_token)).toBe(false);
      }
    });

    it('of a public client is revoked by that client identifying itself (RFC 7009 §5)', async () => {
      const tokens = await signIn(calls, {
        client_id: 'spa',
        redirect_uri: SPA_REDIRECT_URI,
        scope: 'openid offline_access',
      });
      await lifecycle.revoke({ token: tokens.refresh_token! }, { params: { client_id: 'spa' } });
      await expectOAuthRejection(
        calls.refresh({ refresh_token: tokens.refresh_token!, client_id: 'spa' }, null),
        InvalidGrant,
        'invalid_grant',
      );
    });

    it('of an OAuth client (no offline_access) is revoked the same way', async () => {
      const tokens = await signIn(calls, {
        client_id: 'oauth-app',
        redirect_uri: REDIRECT_URI,
        scope: 'orders:read',
        nonce: undefined,
        resource: ORDERS,
      });
      expect(tokens.refresh_token).toBeDefined();
      await lifecycle.revoke({ token: tokens.refresh_token! }, basicCaller('oauth-app'));
      expect(await isActive(tokens.access_token)).toBe(false);
    });

    it('of another client changes nothing, and the answer is the same 200', async () => {
      const tokens = await signIn(calls);
      await expect(
        lifecycle.revoke({ token: tokens.refresh_token! }, basicCaller('other-app')),
      ).resolves.toEqual({});
      expect(await isActive(tokens.access_token)).toBe(true);
      await expect(calls.refresh({ refresh_token: tokens.refresh_token! })).resolves.toMatchObject({
        token_type: 'Bearer',
      });
      expect(auditedRevocations()).toEqual([]);
    });

    it('already rotated still ends the grant when its own client revokes it', async () => {
      const first = await signIn(calls);
      const second = await calls.refresh({ refresh_token: first.refresh_token! });
      await lifecycle.revoke({ token: first.refresh_token! }, webApp);
      expect(await isActive(second.access_token)).toBe(false);
    });
  });

  describe('an access token', () => {
    it('is denylisted by jti until it expires; its grant and refresh token live on', async () => {
      const tokens = await signIn(calls);
      const { jti, exp } = accessTokenIds(tokens.access_token);
      await expect(lifecycle.revoke({ token: tokens.access_token }, webApp)).resolves.toEqual({});
      expect(await isActive(tokens.access_token)).toBe(false);
      expect(await kv.get(`revoked:jti:${jti}`)).toBe('1');
      // The memory store runs on the real clock; the service computed the TTL on the frozen one.
      const ttl = await kv.ttl(`revoked:jti:${jti}`);
      expect(ttl).toBeLessThanOrEqual((exp + 60) * 1000 - clock.now().getTime());
      expect(ttl).toBeGreaterThan((exp + 60) * 1000 - clock.now().getTime() - 10_000);

      const refreshed = await calls.refresh({ refresh_token: tokens.refresh_token! });
      expect(await isActive(refreshed.access_token)).toBe(true);
      expect(auditedRevocations()).toEqual([
        expect.objectContaining({
          client_id: 'web-app',
          sub: 'user-1',
          jti,
          token_type: 'access_token',
          reason: 'client_revoked',
        }),
      ]);
    });

    it('is revoked with token_type_hint=refresh_token (the hint is only a hint)', async () => {
      const tokens = await signIn(calls);
      await lifecycle.revoke(
        { token: tokens.access_token, token_type_hint: 'refresh_token' },
        webApp,
      );
      expect(await isActive(tokens.access_token)).toBe(false);
    });

    it.each(['id_token', 'urn:ietf:params:oauth:token-type:jwt', 'bogus'])(
      'is revoked with an unsupported hint %s, which is ignored',
      async (hint) => {
        const tokens = await signIn(calls);
        await expect(
          lifecycle.revoke({ token: tokens.access_token, token_type_hint: hint }, webApp),
        ).resolves.toEqual({});
        expect(await isActive(tokens.access_token)).toBe(false);
      },
    );

    it('of client_credentials is revoked by its client', async () => {
      const svc = basicCaller('svc-client');
      const issued = await calls.token({
        params: { grant_type: 'client_credentials', resource: ORDERS },
        authorization: basicAuthorization(
          'svc-client',
          'client-secret-0123456789-abcdefghijklmnopq',
        ),
      });
      await lifecycle.revoke({ token: issued.access_token }, svc);
      expect(await isActive(issued.access_token)).toBe(false);
    });

    it('of another client changes nothing', async () => {
      const tokens = await signIn(calls);
      await expect(
        lifecycle.revoke({ token: tokens.access_token }, basicCaller('other-app')),
      ).resolves.toEqual({});
      expect(await isActive(tokens.access_token)).toBe(true);
      expect(await kv.get(`revoked:jti:${accessTokenIds(tokens.access_token).jti}`)).toBeNull();
    });

    it('that has expired is simply ignored', async () => {
      const tokens = await signIn(calls);
      clock.advance(3600_000);
      await expect(lifecycle.revoke({ token: tokens.access_token }, webApp)).resolves.toEqual({});
      expect(await kv.get(`revoked:jti:${accessTokenIds(tokens.access_token).jti}`)).toBeNull();
      expect(auditedRevocations()).toEqual([]);
    });

    it('can be revoked twice: the second time is a no-op 200', async () => {
      const tokens = await signIn(calls);
      await lifecycle.revoke({ token: tokens.access_token }, webApp);
      await expect(lifecycle.revoke({ token: tokens.access_token }, webApp)).resolves.toEqual({});
    });
  });

  describe('unknown tokens', () => {
    it.each([
      ['an unknown opaque value', 'x'.repeat(43)],
      ['garbage', '%%% not a token %%%'],
      ['a JWT-looking value', 'a.b.c'],
    ])('%s: 200 and nothing changes', async (_what, token) => {
      await expect(lifecycle.revoke({ token }, webApp)).resolves.toEqual({});
      expect(auditedRevocations()).toEqual([]);
    });

    it("another issuer's JWT: 200 and nothing changes", async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const foreign = await new SignJWT({ client_id: 'web-app', jti: 'foreign-jti' })
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt' })
        .setIssuer('https://evil.example.test')
        .setSubject('user-1')
        .setAudience(ISSUER)
        .setIssuedAt(clock.nowSeconds())
        .setExpirationTime(clock.nowSeconds() + 600)
        .sign(privateKey);
      await expect(lifecycle.revoke({ token: foreign }, webApp)).resolves.toEqual({});
      expect(await kv.get('revoked:jti:foreign-jti')).toBeNull();
    });
  });

  describe('errors', () => {
    it('refuses a request without token: invalid_request', async () => {
      await expectOAuthRejection(
        lifecycle.revoke({ token_type_hint: 'access_token' }, webApp),
        InvalidRequest,
        'invalid_request',
        /token is required/,
      );
    });

    it('refuses a repeated token: invalid_request', async () => {
      await expectOAuthRejection(
        lifecycle.revoke({ token: ['a', 'b'] }, webApp),
        InvalidRequest,
        'invalid_request',
      );
    });

    it('refuses a wrong secret, an unknown client and no credentials: invalid_client', async () => {
      const tokens = await signIn(calls);
      for (const caller of [
        basicCaller('web-app', 'wrong-secret'),
        basicCaller('nobody'),
        { params: {} },
      ]) {
        await expectOAuthRejection(
          lifecycle.revoke({ token: tokens.refresh_token! }, caller),
          InvalidClient,
          'invalid_client',
        );
      }
      expect(await isActive(tokens.access_token)).toBe(true);
    });

    it('refuses a confidential client that only names itself: invalid_client', async () => {
      await expectOAuthRejection(
        lifecycle.revoke({ token: 'x' }, { params: { client_id: 'web-app' } }),
        InvalidClient,
        'invalid_client',
      );
    });
  });
});
