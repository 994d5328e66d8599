import { expect } from '@jest/globals';
import { loadConfig, type PlatformConfig } from '@latchkey/config';
import { type JwksResponse, TokenSubjects } from '@latchkey/contracts';
import { InvalidGrant, InvalidRequest } from '@latchkey/oauth';
import { expectOAuthRejection, uniqueSuffix } from '@latchkey/testing';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { FixedClock } from '@latchkey/core';
import { basicAuthorization, CLIENT_SECRET, FakeRegistryState } from '../fixtures/registry.fixture';
import { startTokenApp, type TokenApp } from '../fixtures/token-app.fixture';
import {
  BACKCHANNEL_LOGOUT_URI,
  LIFECYCLE_ISSUER as ISSUER,
  lifecycleCalls,
  type LifecycleCalls,
  ORDERS,
  putLifecycleClients,
  signIn,
} from '../fixtures/token-lifecycle.fixture';
import { REDIRECT_URI, userFlowCalls, type UserFlowCalls } from '../fixtures/user-flow.fixture';

jest.setTimeout(60_000);

const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/**
 * `token.session.end` over the in-process bus: the session's online grants end, offline_access
 * grants survive, and each client with a back-channel logout URI gets one Logout Token.
 */
describe('ending an SSO session (OpenID Back-Channel Logout) over the in-process bus', () => {
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
      dataDir: `memory://end-session-${uniqueSuffix()}`,
    };
    service = await startTokenApp(config, registry, clock);
    calls = userFlowCalls(service.bus);
    lifecycle = lifecycleCalls(service.bus);
  });

  afterEach(() => clock.set(start));

  afterAll(async () => {
    await service?.close();
  });

  const isActive = async (accessToken: string) => (await calls.validate(accessToken)).active;
  const refreshes = (clientId: string, refreshToken: string) =>
    calls.refresh({ refresh_token: refreshToken }, basicAuthorization(clientId, CLIENT_SECRET));

  /** One user signed in to four apps in session `sid`, and to one app in another session. */
  async function sessionWithApps(sid: string, sub: string) {
    return {
      offline: await signIn(calls, { sid, sub }),
      online: await signIn(calls, {
        sid,
        sub,
        client_id: 'oauth-app',
        redirect_uri: REDIRECT_URI,
        scope: 'orders:read',
        nonce: undefined,
        resource: ORDERS,
      }),
      backchannel: await signIn(calls, { sid, sub, client_id: 'bc-app', scope: 'openid profile' }),
      otherSession: await signIn(calls, { sid: `${sid}-other`, sub, client_id: 'other-app' }),
    };
  }

  it('revokes the online grants of the session and keeps offline_access grants', async () => {
    const sub = `user-${uniqueSuffix()}`;
    const apps = await sessionWithApps('sid-a', sub);
    await lifecycle.endSession('sid-a', sub);

    expect(await isActive(apps.online.access_token)).toBe(false);
    await expectOAuthRejection(
      refreshes('oauth-app', apps.online.refresh_token!),
      InvalidGrant,
      'invalid_grant',
    );
    expect(await isActive(apps.backchannel.access_token)).toBe(false);

    expect(await isActive(apps.offline.access_token)).toBe(true);
    await expect(refreshes('web-app', apps.offline.refresh_token!)).resolves.toMatchObject({
      token_type: 'Bearer',
    });
    expect(await isActive(apps.otherSession.access_token)).toBe(true);
  });

  it('answers one Logout Token per client of the session with a back-channel logout URI', async () => {
    const sub = `user-${uniqueSuffix()}`;
    await sessionWithApps('sid-b', sub);
    const { logout_tokens } = await lifecycle.endSession('sid-b', sub);
    expect(logout_tokens).toEqual([
      {
        client_id: 'bc-app',
        backchannel_logout_uri: BACKCHANNEL_LOGOUT_URI,
        logout_token: expect.any(String),
      },
    ]);

    const jwks = await service.bus.request<JwksResponse>(TokenSubjects.Jwks, {});
    const { payload, protectedHeader } = await jwtVerify(
      logout_tokens[0]!.logout_token,
      createLocalJWKSet(jwks),
      { issuer: ISSUER, audience: 'bc-app', typ: 'logout+jwt', currentDate: clock.now() },
    );
    // The RP's ID Token algorithm (bc-app registered ES256).
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toEqual({
      iss: ISSUER,
      aud: 'bc-app',
      sub,
      sid: 'sid-b',
      iat: clock.nowSeconds(),
      exp: clock.nowSeconds() + 120,
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{20,}$/),
      events: { [LOGOUT_EVENT]: {} },
    });
    expect(payload).not.toHaveProperty('nonce');
  });

  it('sends a Logout Token to a client whose grant survives (offline_access)', async () => {
    const sub = `user-${uniqueSuffix()}`;
    const offline = await signIn(calls, {
      sid: 'sid-c',
      sub,
      client_id: 'bc-app',
      scope: 'openid offline_access',
    });
    const { logout_tokens } = await lifecycle.endSession('sid-c', sub);
    expect(logout_tokens.map((t) => t.client_id)).toEqual(['bc-app']);
    expect(await isActive(offline.access_token)).toBe(true);
  });

  it('touches nothing for another user with the same sid, or an unknown session', async () => {
    const sub = `user-${uniqueSuffix()}`;
    const apps = await sessionWithApps('sid-d', sub);
    expect(await lifecycle.endSession('sid-d', 'someone-else')).toEqual({ logout_tokens: [] });
    expect(await lifecycle.endSession('no-such-sid', sub)).toEqual({ logout_tokens: [] });
    expect(await isActive(apps.online.access_token)).toBe(true);
  });

  it('can be called again: nothing more to revoke, the Logout Tokens are signed anew', async () => {
    const sub = `user-${uniqueSuffix()}`;
    await sessionWithApps('sid-e', sub);
    const first = await lifecycle.endSession('sid-e', sub);
    const second = await lifecycle.endSession('sid-e', sub);
    expect(second.logout_tokens).toHaveLength(1);
    expect(second.logout_tokens[0]!.logout_token).not.toBe(first.logout_tokens[0]!.logout_token);
  });

  it.each([
    [{ sub: 'user-1' }, /sid/],
    [{ sid: '', sub: 'user-1' }, /sid/],
    [{ sid: 'x'.repeat(257), sub: 'user-1' }, /sid/],
    [{ sid: 'sid-1' }, /sub/],
    [{ sid: 'sid-1', sub: 42 }, /sub/],
  ])('refuses %j with invalid_request', async (request, pattern) => {
    await expectOAuthRejection(
      service.bus.request(TokenSubjects.EndSession, request),
      InvalidRequest,
      'invalid_request',
      pattern,
    );
  });
});
