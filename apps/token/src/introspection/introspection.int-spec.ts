import { loadConfig, type PlatformConfig } from '@latchkey/config';
import { type JwksResponse, TokenSubjects } from '@latchkey/contracts';
import { InvalidClient, InvalidRequest } from '@latchkey/oauth';
import { expectOAuthRejection, uniqueSuffix } from '@latchkey/testing';
import { createLocalJWKSet, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { FixedClock } from '@latchkey/core';
import { basicAuthorization, CLIENT_SECRET, FakeRegistryState } from '../fixtures/registry.fixture';
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
import { userFlowCalls, type UserFlowCalls } from '../fixtures/user-flow.fixture';

jest.setTimeout(60_000);

const INACTIVE = { active: false };
const DAY_MS = 24 * 3600_000;

/**
 * RFC 7662 and RFC 9701 over the in-process bus (PGlite, memory KV, fake registry, frozen
 * clock): which tokens are active for which caller, the exact response members, and the signed
 * JWT response.
 */
describe('token introspection (RFC 7662, RFC 9701) over the in-process bus', () => {
  const start = Math.floor(Date.now() / 1000) * 1000;
  const clock = new FixedClock(start);
  const registry = new FakeRegistryState();
  let service: TokenApp;
  let calls: UserFlowCalls;
  let lifecycle: LifecycleCalls;

  beforeAll(async () => {
    putLifecycleClients(registry);
    const config: PlatformConfig = {
      ...loadConfig({
        ISSUER,
        LOG_LEVEL: 'silent',
        KEY_ENCRYPTION_KEY: 'int-spec-key-encryption-key-0123456789',
      }),
      dataDir: `memory://introspection-${uniqueSuffix()}`,
    };
    service = await startTokenApp(config, registry, clock);
    calls = userFlowCalls(service.bus);
    lifecycle = lifecycleCalls(service.bus);
  });

  afterEach(() => clock.set(start));

  afterAll(async () => {
    await service?.close();
  });

  const webApp = basicCaller('web-app');
  const ordersApi = basicCaller('orders-api');
  const serviceToken = () =>
    calls.token({
      params: { grant_type: 'client_credentials', resource: ORDERS, scope: 'orders:read' },
      authorization: basicAuthorization('svc-client', CLIENT_SECRET),
    });

  describe('access tokens', () => {
    it("describe an active token to its own client, with RFC 7662's members", async () => {
      const tokens = await signIn(calls);
      const { jti, exp } = accessTokenIds(tokens.access_token);
      await expect(lifecycle.introspect({ token: tokens.access_token }, webApp)).resolves.toEqual({
        active: true,
        scope: 'openid profile offline_access',
        client_id: 'web-app',
        sub: 'user-1',
        aud: ISSUER,
        iss: ISSUER,
        exp,
        iat: clock.nowSeconds(),
        token_type: 'Bearer',
        jti,
      });
    });

    it('describe a token for a resource to that resource server (its default_resource)', async () => {
      const issued = await serviceToken();
      await expect(
        lifecycle.introspect({ token: issued.access_token }, ordersApi),
      ).resolves.toMatchObject({
        active: true,
        client_id: 'svc-client',
        sub: 'svc-client',
        aud: ORDERS,
        scope: 'orders:read',
        token_type: 'Bearer',
      });
    });

    it("are inactive to a client that is neither the token's client nor its audience", async () => {
      const tokens = await signIn(calls);
      const issued = await serviceToken();
      // A user token for the issuer: not the resource server's business.
      expect(await lifecycle.introspect({ token: tokens.access_token }, ordersApi)).toEqual(
        INACTIVE,
      );
      expect(
        await lifecycle.introspect({ token: tokens.access_token }, basicCaller('other-app')),
      ).toEqual(INACTIVE);
      expect(
        await lifecycle.introspect({ token: issued.access_token }, basicCaller('other-app')),
      ).toEqual(INACTIVE);
    });

    it('are inactive once revoked, expired, or their grant revoked', async () => {
      const revoked = await signIn(calls);
      await lifecycle.revoke({ token: revoked.access_token }, webApp);
      expect(await lifecycle.introspect({ token: revoked.access_token }, webApp)).toEqual(INACTIVE);

      const ofRevokedGrant = await signIn(calls, { sub: 'user-revoked' });
      await calls.revokeUser('user-revoked');
      expect(await lifecycle.introspect({ token: ofRevokedGrant.access_token }, webApp)).toEqual(
        INACTIVE,
      );

      const expiring = await signIn(calls);
      clock.advance(3600_000);
      expect(await lifecycle.introspect({ token: expiring.access_token }, webApp)).toEqual(
        INACTIVE,
      );
    });

    it('are found with the wrong hint and with an unknown one', async () => {
      const tokens = await signIn(calls);
      for (const hint of ['refresh_token', 'bogus']) {
        await expect(
          lifecycle.introspect({ token: tokens.access_token, token_type_hint: hint }, webApp),
        ).resolves.toMatchObject({ active: true, token_type: 'Bearer' });
      }
    });
  });

  describe('refresh tokens', () => {
    it('describe an active refresh token to its own client', async () => {
      const tokens = await signIn(calls);
      await expect(
        lifecycle.introspect(
          { token: tokens.refresh_token!, token_type_hint: 'refresh_token' },
          webApp,
        ),
      ).resolves.toEqual({
        active: true,
        scope: 'openid profile offline_access',
        client_id: 'web-app',
        sub: 'user-1',
        aud: ISSUER,
        iss: ISSUER,
        // Unused, it expires after the idle lifetime (14 days), inside the family's 30.
        exp: clock.nowSeconds() + 14 * 24 * 3600,
        iat: clock.nowSeconds(),
        token_type: 'refresh_token',
      });
    });

    it('are found without a hint and with the access_token hint', async () => {
      const tokens = await signIn(calls);
      for (const params of [{}, { token_type_hint: 'access_token' }] as Record<string, string>[]) {
        await expect(
          lifecycle.introspect({ token: tokens.refresh_token!, ...params }, webApp),
        ).resolves.toMatchObject({ active: true, token_type: 'refresh_token' });
      }
    });

    it('are inactive to every other client, resource servers included', async () => {
      const tokens = await signIn(calls);
      for (const caller of [basicCaller('other-app'), ordersApi]) {
        expect(await lifecycle.introspect({ token: tokens.refresh_token! }, caller)).toEqual(
          INACTIVE,
        );
      }
    });

    it('are inactive once rotated (consumed), while the successor is active', async () => {
      const first = await signIn(calls);
      const second = await calls.refresh({ refresh_token: first.refresh_token! });
      expect(await lifecycle.introspect({ token: first.refresh_token! }, webApp)).toEqual(INACTIVE);
      await expect(
        lifecycle.introspect({ token: second.refresh_token! }, webApp),
      ).resolves.toMatchObject({ active: true });
    });

    it('are inactive once revoked, with their access tokens', async () => {
      const tokens = await signIn(calls);
      await lifecycle.revoke({ token: tokens.refresh_token! }, webApp);
      expect(await lifecycle.introspect({ token: tokens.refresh_token! }, webApp)).toEqual(
        INACTIVE,
      );
      expect(await lifecycle.introspect({ token: tokens.access_token }, webApp)).toEqual(INACTIVE);
    });

    it('are inactive once unused for the idle lifetime', async () => {
      const tokens = await signIn(calls);
      clock.advance(14 * DAY_MS);
      expect(await lifecycle.introspect({ token: tokens.refresh_token! }, webApp)).toEqual(
        INACTIVE,
      );
    });
  });

  describe('anything else is exactly {active: false}', () => {
    it.each([
      ['an unknown opaque value', 'y'.repeat(43)],
      ['garbage', '<<garbage>>'],
      ['a JWT-looking value', 'e30.e30.e30'],
    ])('%s', async (_what, token) => {
      expect(await lifecycle.introspect({ token }, webApp)).toEqual(INACTIVE);
    });

    it("another issuer's access token", async () => {
      const { privateKey } = await generateKeyPair('ES256');
      const foreign = await new SignJWT({ client_id: 'web-app' })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setSubject('user-1')
        .setAudience(ISSUER)
        .setJti('j')
        .setIssuedAt(clock.nowSeconds())
        .setExpirationTime(clock.nowSeconds() + 600)
        .sign(privateKey);
      expect(await lifecycle.introspect({ token: foreign }, webApp)).toEqual(INACTIVE);
    });

    it('an ID Token (ours, but not an access token)', async () => {
      const tokens = await signIn(calls);
      expect(await lifecycle.introspect({ token: tokens.id_token! }, webApp)).toEqual(INACTIVE);
    });
  });

  describe('the caller', () => {
    it('must send token: invalid_request', async () => {
      await expectOAuthRejection(
        lifecycle.introspect({}, webApp),
        InvalidRequest,
        'invalid_request',
        /token is required/,
      );
    });

    it('must authenticate: invalid_client for bad or missing credentials', async () => {
      for (const caller of [basicCaller('web-app', 'nope'), basicCaller('ghost'), { params: {} }]) {
        await expectOAuthRejection(
          lifecycle.introspect({ token: 'x' }, caller),
          InvalidClient,
          'invalid_client',
        );
      }
    });

    it('must be a confidential client: a public client gets invalid_client', async () => {
      const tokens = await signIn(calls, {
        client_id: 'spa',
        redirect_uri: 'http://127.0.0.1:5173/cb',
        scope: 'openid offline_access',
      });
      await expectOAuthRejection(
        lifecycle.introspect({ token: tokens.access_token }, { params: { client_id: 'spa' } }),
        InvalidClient,
        'invalid_client',
      );
    });
  });

  describe('the signed JWT response (RFC 9701)', () => {
    const verify = async (jwt: string, audience: string) => {
      const jwks = await service.bus.request<JwksResponse>(TokenSubjects.Jwks, {});
      return jwtVerify(jwt, createLocalJWKSet(jwks), {
        issuer: ISSUER,
        audience,
        typ: 'token-introspection+jwt',
        currentDate: clock.now(),
      });
    };

    it('carries iss, aud (the caller), iat and the JSON response in token_introspection', async () => {
      const tokens = await signIn(calls);
      const json = await lifecycle.introspect({ token: tokens.access_token }, webApp);
      const { jwt } = await lifecycle.introspectJwt({ token: tokens.access_token }, webApp);
      const { payload, protectedHeader } = await verify(jwt, 'web-app');
      expect(protectedHeader).toMatchObject({ typ: 'token-introspection+jwt', alg: 'RS256' });
      expect(payload).toEqual({
        iss: ISSUER,
        aud: 'web-app',
        iat: clock.nowSeconds(),
        token_introspection: json,
      });
    });

    it('answers {active: false} signed too, for the caller', async () => {
      const { jwt } = await lifecycle.introspectJwt({ token: 'unknown' }, ordersApi);
      const { payload } = await verify(jwt, 'orders-api');
      expect(payload.token_introspection).toEqual(INACTIVE);
      expect(payload).not.toHaveProperty('sub');
      expect(payload).not.toHaveProperty('exp');
    });
  });
});
