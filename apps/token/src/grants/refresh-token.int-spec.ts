import { expect } from '@jest/globals';
import { AuditClient } from '@latchkey/audit-client';
import { Logger } from '@nestjs/common';
import { loadConfig, type PlatformConfig } from '@latchkey/config';
import {
  type IssueCodeRequest,
  type JwksResponse,
  type TokenResponse,
  TokenSubjects,
  type ResourceView,
} from '@latchkey/contracts';
import {
  computeTokenHash,
  InvalidGrant,
  InvalidRequest,
  InvalidScope,
  InvalidTarget,
} from '@latchkey/oauth';
import { expectOAuthRejection, uniqueSuffix } from '@latchkey/testing';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { FixedClock } from '@latchkey/core';
import { ClientsCache, ResourcesCache } from '@latchkey/registry-client';
import {
  basicAuthorization,
  CLIENT_SECRET,
  FakeRegistryState,
  resourceView,
} from '../fixtures/registry.fixture';
import { startTokenApp, type TokenApp } from '../fixtures/token-app.fixture';
import {
  codeRequest,
  oauthClient,
  pkcePair,
  SPA_REDIRECT_URI,
  spaClient,
  userFlowCalls,
  webClient,
  type UserFlowCalls,
} from '../fixtures/user-flow.fixture';

jest.setTimeout(60_000);

const ISSUER = 'https://id.example.test';
const ORDERS = 'https://orders.example.test';
const DAY_MS = 24 * 3600 * 1000;
/** REFRESH_TOKEN_REUSE_WINDOW_SECONDS left at its default. */
const REUSE_WINDOW_MS = 10_000;

/**
 * Refresh tokens and grant revocation over the in-process bus (PGlite, memory KV, fake registry,
 * frozen clock): rotation, retries within the reuse window, reuse detection, concurrency, scope narrowing, idle and absolute
 * expiry, the refreshed ID Token, and token.grants.revoke_user.
 */
describe('refresh tokens over the in-process bus (PGlite, memory KV)', () => {
  const start = Math.floor(Date.now() / 1000) * 1000;
  const clock = new FixedClock(start);
  const registry = new FakeRegistryState();
  let service: TokenApp;
  let calls: UserFlowCalls;
  let jwks: JwksResponse;

  beforeAll(async () => {
    registry.putClient(webClient());
    registry.putClient(webClient({ client_id: 'other-app' }));
    registry.putClient(webClient({ client_id: 'short-lived', refresh_token_lifetime: 3600 }));
    registry.putClient(spaClient());
    registry.putClient(oauthClient({ scope: 'orders:read orders:write' }));
    registry.resources = [
      resourceView({ identifier: ORDERS, scopes: ['orders:read', 'orders:write'] }),
    ];
    const config: PlatformConfig = {
      ...loadConfig({
        ISSUER,
        LOG_LEVEL: 'silent',
        KEY_ENCRYPTION_KEY: 'int-spec-key-encryption-key-0123456789',
      }),
      dataDir: `memory://refresh-token-${uniqueSuffix()}`,
    };
    service = await startTokenApp(config, registry, clock);
    calls = userFlowCalls(service.bus);
    jwks = await service.bus.request<JwksResponse>(TokenSubjects.Jwks, {});
  });

  afterAll(async () => {
    await service?.close();
  });

  afterEach(() => {
    clock.set(start);
    jest.restoreAllMocks();
  });

  const basic = (clientId = 'web-app') => basicAuthorization(clientId, CLIENT_SECRET);

  /** Login, consent and code exchange: the first token response of a new grant. */
  const signIn = async (
    overrides: Partial<IssueCodeRequest> = {},
    authorization?: string | null,
  ): Promise<TokenResponse> => {
    const pkce = pkcePair();
    const request = codeRequest(overrides, pkce);
    const { code } = await calls.issueCode(request);
    const params: Record<string, string> = {
      code,
      code_verifier: pkce.verifier,
      redirect_uri: request.redirect_uri,
    };
    if (authorization === null) params.client_id = request.client_id;
    return calls.exchange(params, authorization);
  };

  const claimsOf = async (token: string, typ: string, audience: string) =>
    (
      await jwtVerify(token, createLocalJWKSet(jwks), {
        issuer: ISSUER,
        audience,
        typ,
        currentDate: clock.now(),
      })
    ).payload;

  const rejectsInvalidGrant = (promise: Promise<unknown>) =>
    expectOAuthRejection(promise, InvalidGrant, 'invalid_grant');

  describe('rotation', () => {
    it('answers a new access token, a new refresh token and a new ID Token', async () => {
      const first = await signIn();
      clock.advance(60_000);
      const second = await calls.refresh({ refresh_token: first.refresh_token! });
      expect(second).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'openid profile offline_access',
        refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        id_token: expect.any(String),
      });
      expect(second.refresh_token).not.toBe(first.refresh_token);
      expect(second.access_token).not.toBe(first.access_token);

      const firstAccess = await claimsOf(first.access_token, 'at+jwt', ISSUER);
      const access = await claimsOf(second.access_token, 'at+jwt', ISSUER);
      expect(access).toMatchObject({
        sub: 'user-1',
        client_id: 'web-app',
        gid: firstAccess.gid,
        auth_time: 1_750_000_000,
        iat: clock.nowSeconds(),
      });
      await expect(calls.validate(second.access_token)).resolves.toMatchObject({
        active: true,
        grant_id: firstAccess.gid,
      });
    });

    it('keeps sub, auth_time and sid in the refreshed ID Token, without nonce', async () => {
      const first = await signIn();
      const firstId = await claimsOf(first.id_token!, 'JWT', 'web-app');
      clock.advance(3 * 3600_000);
      const second = await calls.refresh({ refresh_token: first.refresh_token! });
      const id = await claimsOf(second.id_token!, 'JWT', 'web-app');
      expect(firstId.nonce).toBe('n-0S6_WzA2Mj');
      expect(id).toEqual({
        iss: ISSUER,
        sub: firstId.sub,
        aud: 'web-app',
        azp: 'web-app',
        auth_time: firstId.auth_time,
        sid: firstId.sid,
        amr: firstId.amr,
        acr: firstId.acr,
        iat: clock.nowSeconds(),
        exp: clock.nowSeconds() + 3600,
        at_hash: computeTokenHash(second.access_token, 'RS256'),
      });
    });

    it('serves a public client that sends only its client_id', async () => {
      const first = await signIn({ client_id: 'spa', redirect_uri: SPA_REDIRECT_URI }, null);
      const second = await calls.refresh(
        { refresh_token: first.refresh_token!, client_id: 'spa' },
        null,
      );
      expect(second.refresh_token).toEqual(expect.any(String));
    });

    it('gives a plain OAuth grant no ID Token on refresh', async () => {
      const first = await signIn(
        { client_id: 'oauth-app', scope: 'orders:read', nonce: undefined },
        basic('oauth-app'),
      );
      const second = await calls.refresh(
        { refresh_token: first.refresh_token! },
        basic('oauth-app'),
      );
      expect(second).not.toHaveProperty('id_token');
      expect(second.scope).toBe('orders:read');
    });

    it('keeps the audience of the grant (its bound resource)', async () => {
      const first = await signIn(
        { client_id: 'oauth-app', scope: 'orders:read', resource: ORDERS },
        basic('oauth-app'),
      );
      const second = await calls.refresh(
        { refresh_token: first.refresh_token! },
        basic('oauth-app'),
      );
      expect((await claimsOf(second.access_token, 'at+jwt', ORDERS)).aud).toBe(ORDERS);
      await expectOAuthRejection(
        calls.refresh(
          { refresh_token: second.refresh_token!, resource: 'https://billing.example.test' },
          basic('oauth-app'),
        ),
        InvalidTarget,
        'invalid_target',
      );
      // The refused request did not spend the token.
      await expect(
        calls.refresh(
          { refresh_token: second.refresh_token!, resource: ORDERS },
          basic('oauth-app'),
        ),
      ).resolves.toMatchObject({ token_type: 'Bearer' });
    });
  });

  describe('a retry within the reuse window (the answer to a refresh was lost)', () => {
    it('gets the same refresh token again, a fresh access token and ID Token', async () => {
      const record = jest.spyOn(service.app.get(AuditClient), 'record');
      const first = await signIn({ sub: 'user-retry' });
      const second = await calls.refresh({ refresh_token: first.refresh_token! });
      clock.advance(REUSE_WINDOW_MS - 1000);
      const retried = await calls.refresh({ refresh_token: first.refresh_token! });

      expect(retried.refresh_token).toBe(second.refresh_token);
      expect(retried.access_token).not.toBe(second.access_token);
      expect(retried.id_token).toEqual(expect.any(String));
      const id = await claimsOf(retried.id_token!, 'JWT', 'web-app');
      expect(id.at_hash).toBe(computeTokenHash(retried.access_token, 'RS256'));
      await expect(calls.validate(retried.access_token)).resolves.toMatchObject({ active: true });
      await expect(calls.validate(second.access_token)).resolves.toMatchObject({ active: true });

      // The family lives on: the successor rotates normally.
      const third = await calls.refresh({ refresh_token: second.refresh_token! });
      expect(third.refresh_token).not.toBe(second.refresh_token);

      const refreshed = record.mock.calls.filter(([type]) => type === 'token.refreshed');
      expect(refreshed.map(([, input]) => input.data?.refresh_retry)).toEqual([
        undefined,
        true,
        undefined,
      ]);
      expect(record.mock.calls.map(([type]) => type)).not.toContain('token.refresh_reuse_detected');
    });

    it('of 10 concurrent refreshes with one token, all get the same successor', async () => {
      const first = await signIn();
      const results = await Promise.all(
        Array.from({ length: 10 }, () => calls.refresh({ refresh_token: first.refresh_token! })),
      );
      const successors = new Set(results.map((r) => r.refresh_token));
      expect(successors.size).toBe(1);
      expect([...successors][0]).not.toBe(first.refresh_token);
      await expect(
        calls.refresh({ refresh_token: results[0]!.refresh_token! }),
      ).resolves.toMatchObject({ token_type: 'Bearer' });
    });

    it('still narrows the scope of the access token it asks for', async () => {
      const first = await signIn();
      const second = await calls.refresh({ refresh_token: first.refresh_token! });
      const narrow = await calls.refresh({ refresh_token: first.refresh_token!, scope: 'openid' });
      expect(narrow).toMatchObject({ scope: 'openid', refresh_token: second.refresh_token });
      await expectOAuthRejection(
        calls.refresh({ refresh_token: first.refresh_token!, scope: 'openid email' }),
        InvalidScope,
        'invalid_scope',
      );
    });

    it('of another client is refused and revokes nothing', async () => {
      const first = await signIn();
      const second = await calls.refresh({ refresh_token: first.refresh_token! });
      await rejectsInvalidGrant(
        calls.refresh({ refresh_token: first.refresh_token! }, basic('other-app')),
      );
      await expect(calls.refresh({ refresh_token: second.refresh_token! })).resolves.toMatchObject({
        token_type: 'Bearer',
      });
    });

    it('handled late, after its successor was rotated, is refused without revoking', async () => {
      // A duplicate that reached the service before the successor's own refresh, but is
      // handled after it (a paused replica): not a sign of theft.
      const first = await signIn({ sub: 'user-late-duplicate' });
      const second = await calls.refresh({ refresh_token: first.refresh_token! });
      const receivedAt = clock.now().getTime() + 1000;
      clock.advance(2000);
      const third = await calls.refresh({ refresh_token: second.refresh_token! });
      clock.set(receivedAt);
      await rejectsInvalidGrant(calls.refresh({ refresh_token: first.refresh_token! }));
      clock.advance(2000);
      await expect(calls.refresh({ refresh_token: third.refresh_token! })).resolves.toMatchObject({
        token_type: 'Bearer',
      });
    });
  });

  describe('reuse', () => {
    it('of a rotated token after the window revokes the whole family and its access tokens', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn');
      const first = await signIn({ sub: 'user-reuse' });
      const second = await calls.refresh({ refresh_token: first.refresh_token! });
      const gid = (await claimsOf(second.access_token, 'at+jwt', ISSUER)).gid;
      clock.advance(REUSE_WINDOW_MS + 1000);

      await expectOAuthRejection(
        calls.refresh({ refresh_token: first.refresh_token! }),
        InvalidGrant,
        'invalid_grant',
        /invalid, expired or revoked/,
      );
      await rejectsInvalidGrant(calls.refresh({ refresh_token: second.refresh_token! }));
      await expect(calls.validate(second.access_token)).resolves.toEqual({ active: false });
      await expect(calls.validate(first.access_token)).resolves.toEqual({ active: false });

      const events = warn.mock.calls
        .map(([entry]) => entry as { event?: string })
        .filter((entry) => entry.event === 'token.refresh_reuse_detected');
      expect(events).toEqual([
        expect.objectContaining({ client_id: 'web-app', sub: 'user-reuse', grant_id: gid }),
      ]);
      const logged = JSON.stringify(warn.mock.calls);
      expect(logged).not.toContain(first.refresh_token);
      expect(logged).not.toContain(second.refresh_token);
    });

    it('of an older generation (its successor rotated again) revokes, even inside the window', async () => {
      const first = await signIn();
      const second = await calls.refresh({ refresh_token: first.refresh_token! });
      const third = await calls.refresh({ refresh_token: second.refresh_token! });
      await rejectsInvalidGrant(calls.refresh({ refresh_token: first.refresh_token! }));
      await rejectsInvalidGrant(calls.refresh({ refresh_token: third.refresh_token! }));
    });

    it('does not touch other grants of the same user', async () => {
      const kept = await signIn({ sub: 'user-two-grants' });
      const lost = await signIn({ sub: 'user-two-grants' });
      await calls.refresh({ refresh_token: lost.refresh_token! });
      clock.advance(REUSE_WINDOW_MS + 1000);
      await rejectsInvalidGrant(calls.refresh({ refresh_token: lost.refresh_token! }));
      await expect(calls.refresh({ refresh_token: kept.refresh_token! })).resolves.toMatchObject({
        token_type: 'Bearer',
      });
    });
  });

  describe('scope', () => {
    it('may shrink for one access token; the grant keeps its scope', async () => {
      const first = await signIn();
      const narrow = await calls.refresh({ refresh_token: first.refresh_token!, scope: 'openid' });
      expect(narrow.scope).toBe('openid');
      expect((await claimsOf(narrow.access_token, 'at+jwt', ISSUER)).scope).toBe('openid');
      const full = await calls.refresh({ refresh_token: narrow.refresh_token! });
      expect(full.scope).toBe('openid profile offline_access');
    });

    it('may not grow (invalid_scope), and the refused request does not spend the token', async () => {
      const first = await signIn({ scope: 'openid offline_access' });
      await expectOAuthRejection(
        calls.refresh({ refresh_token: first.refresh_token!, scope: 'openid profile' }),
        InvalidScope,
        'invalid_scope',
        /^scope exceeds the original grant$/,
      );
      await expectOAuthRejection(
        calls.refresh({ refresh_token: first.refresh_token!, scope: '   ' }),
        InvalidScope,
        'invalid_scope',
      );
      await expect(calls.refresh({ refresh_token: first.refresh_token! })).resolves.toMatchObject({
        scope: 'openid offline_access',
      });
    });
  });

  describe('the audiences as they are now (docs/architecture.md §3, Audiences)', () => {
    const withResources = async (resources: ResourceView[], work: () => Promise<unknown>) => {
      const cache = service.app.get(ResourcesCache);
      const before = registry.resources;
      registry.resources = resources;
      cache.invalidate();
      try {
        await work();
      } finally {
        registry.resources = before;
        cache.invalidate();
      }
    };

    it('stops issuing a scope removed from its resource, and issues it again once restored', async () => {
      const first = await signIn(
        { client_id: 'oauth-app', scope: 'orders:read orders:write', nonce: undefined },
        basic('oauth-app'),
      );
      expect(first.scope).toBe('orders:read orders:write');
      let next = first.refresh_token!;
      await withResources(
        [resourceView({ identifier: ORDERS, scopes: ['orders:write'] })],
        async () => {
          const shrunk = await calls.refresh({ refresh_token: next }, basic('oauth-app'));
          expect(shrunk.scope).toBe('orders:write');
          expect((await claimsOf(shrunk.access_token, 'at+jwt', ORDERS)).scope).toBe(
            'orders:write',
          );
          next = shrunk.refresh_token!;
        },
      );
      const restored = await calls.refresh({ refresh_token: next }, basic('oauth-app'));
      expect(restored.scope).toBe('orders:read orders:write');
    });

    it('refuses a refresh that can issue nothing any more, without spending the token', async () => {
      const first = await signIn(
        { client_id: 'oauth-app', scope: 'orders:read', nonce: undefined },
        basic('oauth-app'),
      );
      await withResources([resourceView({ identifier: ORDERS, scopes: ['orders:write'] })], () =>
        expectOAuthRejection(
          calls.refresh({ refresh_token: first.refresh_token! }, basic('oauth-app')),
          InvalidScope,
          'invalid_scope',
          /none of the granted scopes can be issued any more/,
        ),
      );
      await expect(
        calls.refresh({ refresh_token: first.refresh_token! }, basic('oauth-app')),
      ).resolves.toMatchObject({ scope: 'orders:read' });
    });

    it("stops issuing a scope the client's registration no longer holds", async () => {
      const first = await signIn(
        { client_id: 'oauth-app', scope: 'orders:read orders:write', nonce: undefined },
        basic('oauth-app'),
      );
      registry.putClient(oauthClient({ scope: 'orders:write' }));
      service.app.get(ClientsCache).invalidate('oauth-app');
      try {
        const second = await calls.refresh(
          { refresh_token: first.refresh_token! },
          basic('oauth-app'),
        );
        expect(second.scope).toBe('orders:write');
      } finally {
        registry.putClient(oauthClient({ scope: 'orders:read orders:write' }));
        service.app.get(ClientsCache).invalidate('oauth-app');
      }
    });
  });

  describe('expiry', () => {
    it('after 14 days unused (idle)', async () => {
      const first = await signIn();
      clock.advance(14 * DAY_MS - 1000);
      const second = await calls.refresh({ refresh_token: first.refresh_token! });
      clock.advance(14 * DAY_MS);
      await expectOAuthRejection(
        calls.refresh({ refresh_token: second.refresh_token! }),
        InvalidGrant,
        'invalid_grant',
      );
    });

    it('after 30 days however often it is used (absolute, for the whole family)', async () => {
      let response = await signIn();
      for (const day of [13, 26]) {
        clock.set(start + day * DAY_MS);
        response = await calls.refresh({ refresh_token: response.refresh_token! });
      }
      clock.set(start + 30 * DAY_MS + 1000);
      await rejectsInvalidGrant(calls.refresh({ refresh_token: response.refresh_token! }));
    });

    it("follows the client's refresh_token_lifetime", async () => {
      const first = await signIn({ client_id: 'short-lived' }, basic('short-lived'));
      clock.advance(3600_000);
      await rejectsInvalidGrant(
        calls.refresh({ refresh_token: first.refresh_token! }, basic('short-lived')),
      );
    });
  });

  describe('refuses', () => {
    it('a refresh token of another client (invalid_grant), without revoking it', async () => {
      const first = await signIn();
      await expectOAuthRejection(
        calls.refresh({ refresh_token: first.refresh_token! }, basic('other-app')),
        InvalidGrant,
        'invalid_grant',
      );
      await expect(calls.refresh({ refresh_token: first.refresh_token! })).resolves.toMatchObject({
        token_type: 'Bearer',
      });
    });

    it('an unknown or absurdly long refresh token', async () => {
      await rejectsInvalidGrant(calls.refresh({ refresh_token: 'not-a-refresh-token' }));
      await rejectsInvalidGrant(calls.refresh({ refresh_token: 'x'.repeat(5000) }));
    });

    it('a request without refresh_token, or with it twice (invalid_request)', async () => {
      await expectOAuthRejection(
        calls.refresh({}),
        InvalidRequest,
        'invalid_request',
        /refresh_token is required/,
      );
      await expectOAuthRejection(
        calls.refresh({ refresh_token: ['a', 'b'] }),
        InvalidRequest,
        'invalid_request',
        /must not be repeated/,
      );
    });
  });

  describe('token.grants.revoke_user', () => {
    it("revokes every grant of the user, their refresh and access tokens, and nobody else's", async () => {
      const web = await signIn({ sub: 'user-disabled' });
      const spa = await signIn(
        { sub: 'user-disabled', client_id: 'spa', redirect_uri: SPA_REDIRECT_URI },
        null,
      );
      const bystander = await signIn({ sub: 'user-bystander' });

      await expect(calls.revokeUser('user-disabled')).resolves.toEqual({ revoked: 2 });

      await expect(calls.validate(web.access_token)).resolves.toEqual({ active: false });
      await expect(calls.validate(spa.access_token)).resolves.toEqual({ active: false });
      await rejectsInvalidGrant(calls.refresh({ refresh_token: web.refresh_token! }));
      await rejectsInvalidGrant(
        calls.refresh({ refresh_token: spa.refresh_token!, client_id: 'spa' }, null),
      );
      await expect(calls.validate(bystander.access_token)).resolves.toMatchObject({
        active: true,
      });
      await expect(
        calls.refresh({ refresh_token: bystander.refresh_token! }),
      ).resolves.toMatchObject({ token_type: 'Bearer' });
      await expect(calls.revokeUser('user-disabled')).resolves.toEqual({ revoked: 0 });
    });

    it('answers 0 for a user without grants', async () => {
      await expect(calls.revokeUser('nobody')).resolves.toEqual({ revoked: 0 });
    });

    it.each<[string, unknown]>([
      ['no sub', undefined],
      ['an empty sub', ''],
      ['a numeric sub', 42],
      ['a sub of 256 characters', 'x'.repeat(256)],
    ])('refuses %s with invalid_request', (_label, sub) =>
      expectOAuthRejection(
        service.bus.request(TokenSubjects.RevokeUserGrants, { sub }),
        InvalidRequest,
        'invalid_request',
        /^sub (must be|is required)/,
      ),
    );
  });
});
