import { expect } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { loadConfig, type PlatformConfig } from '@latchkey/config';
import {
  type IssueCodeRequest,
  type JwksResponse,
  TokenSubjects,
  type TokenResponse,
} from '@latchkey/contracts';
import { KV_TOKEN, type KvStore } from '@latchkey/kv';
import {
  computeTokenHash,
  InvalidGrant,
  InvalidRequest,
  InvalidScope,
  InvalidTarget,
  OAuthError,
  sha256Base64Url,
  UnauthorizedClient,
} from '@latchkey/oauth';
import { expectOAuthRejection, uniqueSuffix } from '@latchkey/testing';
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type JWTPayload,
} from 'jose';
import { FixedClock } from '@latchkey/core';
import { ResourcesCache } from '@latchkey/registry-client';
import {
  basicAuthorization,
  CLIENT_SECRET,
  clientRecord,
  FakeRegistryState,
  resourceView,
} from '../fixtures/registry.fixture';
import { startTokenApp, type TokenApp } from '../fixtures/token-app.fixture';
import {
  codeRequest,
  OTHER_REDIRECT_URI,
  oauthClient,
  pkcePair,
  type PkcePair,
  SPA_REDIRECT_URI,
  spaClient,
  userFlowCalls,
  webClient,
  type UserFlowCalls,
} from '../fixtures/user-flow.fixture';

jest.setTimeout(60_000);

const ISSUER = 'https://id.example.test';
const ORDERS = 'https://orders.example.test';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The authorization code flow as embedded mode runs the token service: TokenModule.forRoot on the
 * in-process bus, PGlite in memory, the memory KV, a fake registry, and a frozen clock. Every call
 * goes over the bus exactly as the gateway makes it.
 */
describe('authorization code flow over the in-process bus (PGlite, memory KV)', () => {
  const start = Math.floor(Date.now() / 1000) * 1000;
  const clock = new FixedClock(start);
  const registry = new FakeRegistryState();
  let service: TokenApp;
  let calls: UserFlowCalls;
  let jwks: JwksResponse;
  let kv: KvStore;

  beforeAll(async () => {
    registry.putClient(webClient());
    registry.putClient(webClient({ client_id: 'other-app' }));
    registry.putClient(webClient({ client_id: 'es-app', id_token_signed_response_alg: 'ES256' }));
    registry.putClient(
      webClient({
        client_id: 'ed-app',
        id_token_signed_response_alg: 'EdDSA',
        id_token_lifetime: 600,
      }),
    );
    registry.putClient(webClient({ client_id: 'no-refresh', grant_types: ['authorization_code'] }));
    registry.putClient(webClient({ client_id: 'orders-app', default_resource: ORDERS }));
    registry.putClient(spaClient());
    registry.putClient(oauthClient());
    registry.putClient(clientRecord({ client_id: 'svc', scope: 'orders:read' }));
    registry.resources = [resourceView({ identifier: ORDERS, access_token_lifetime: 900 })];

    const config: PlatformConfig = {
      ...loadConfig({
        ISSUER,
        LOG_LEVEL: 'silent',
        KEY_ENCRYPTION_KEY: 'int-spec-key-encryption-key-0123456789',
      }),
      dataDir: `memory://authorization-code-${uniqueSuffix()}`,
    };
    service = await startTokenApp(config, registry, clock);
    calls = userFlowCalls(service.bus);
    jwks = await service.bus.request<JwksResponse>(TokenSubjects.Jwks, {});
    kv = service.app.get<KvStore>(KV_TOKEN);
  });

  afterAll(async () => {
    await service?.close();
  });

  afterEach(() => {
    clock.set(start);
    jest.restoreAllMocks();
  });

  const basic = (clientId = 'web-app') => basicAuthorization(clientId, CLIENT_SECRET);

  const codeFor = async (
    overrides: Partial<IssueCodeRequest> = {},
    pkce: PkcePair | null = pkcePair(),
  ) => (await calls.issueCode(codeRequest(overrides, pkce))).code;

  const accessClaims = async (token: string, audience = ISSUER) =>
    (
      await jwtVerify(token, createLocalJWKSet(jwks), {
        issuer: ISSUER,
        audience,
        typ: 'at+jwt',
        algorithms: ['RS256'],
        currentDate: clock.now(),
      })
    ).payload;

  const idClaims = async (token: string, clientId = 'web-app', alg = 'RS256') =>
    (
      await jwtVerify(token, createLocalJWKSet(jwks), {
        issuer: ISSUER,
        audience: clientId,
        typ: 'JWT',
        algorithms: [alg],
        currentDate: clock.now(),
      })
    ).payload;

  describe('token.code.issue', () => {
    it('answers a 256-bit code valid 60 s, stored under its hash only', async () => {
      const response = await calls.issueCode(codeRequest({}, pkcePair()));
      expect(response).toEqual({
        code: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        expires_in: 60,
      });
      expect(await kv.get(`code:${response.code}`)).toBeNull();
      const stored = await kv.get(`code:${sha256Base64Url(response.code)}`);
      expect(stored).not.toBeNull();
      expect(stored).not.toContain(response.code);
      const ttl = await kv.ttl(`code:${sha256Base64Url(response.code)}`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    });

    it('gives every code its own value', async () => {
      const codes = await Promise.all([1, 2, 3, 4, 5].map(() => codeFor()));
      expect(new Set(codes).size).toBe(5);
    });

    it.each<[string, Partial<IssueCodeRequest>, new () => OAuthError, string, RegExp]>([
      ['an unknown client', { client_id: 'ghost' }, InvalidRequest, 'invalid_request', /known/],
      [
        'a client not registered for the code flow',
        { client_id: 'svc' },
        UnauthorizedClient,
        'unauthorized_client',
        /authorization_code/,
      ],
      [
        'an unregistered redirect_uri',
        { redirect_uri: 'https://evil.example.test/cb' },
        InvalidRequest,
        'invalid_request',
        /redirect_uri is not registered/,
      ],
      [
        'a scope the client is not registered for',
        { scope: 'openid orders:write' },
        InvalidScope,
        'invalid_scope',
        /^scope not allowed for this client$/,
      ],
      ['the admin scope', { scope: 'openid admin' }, InvalidScope, 'invalid_scope', /admin/],
      ['a missing sub', { sub: '' }, InvalidRequest, 'invalid_request', /sub/],
      ['a missing sid', { sid: undefined }, InvalidRequest, 'invalid_request', /sid/],
      [
        'a fractional auth_time',
        { auth_time: 1.5 },
        InvalidRequest,
        'invalid_request',
        /auth_time/,
      ],
      [
        'a relative resource',
        { resource: '/orders' },
        InvalidTarget,
        'invalid_target',
        /absolute URI/,
      ],
    ])('refuses %s', (_label, overrides, errorClass, code, pattern) =>
      expectOAuthRejection(calls.issueCode(codeRequest(overrides)), errorClass, code, pattern),
    );

    it('refuses a public client without PKCE, and a plain challenge', async () => {
      await expectOAuthRejection(
        calls.issueCode(codeRequest({ client_id: 'spa', redirect_uri: SPA_REDIRECT_URI })),
        InvalidRequest,
        'invalid_request',
        /public client must use PKCE/,
      );
      await expectOAuthRejection(
        calls.issueCode({
          ...codeRequest(),
          code_challenge: pkcePair().challenge,
          code_challenge_method: 'plain' as 'S256',
        }),
        InvalidRequest,
        'invalid_request',
        /only S256/,
      );
    });
  });

  describe('authorization_code', () => {
    it('answers an RFC 9068 access token, an ID Token and a refresh token', async () => {
      const pkce = pkcePair();
      const code = await codeFor({}, pkce);
      const response = await calls.exchange({ code, code_verifier: pkce.verifier });
      expect(response).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'openid profile offline_access',
        id_token: expect.any(String),
        refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      });

      const now = clock.nowSeconds();
      expect(decodeProtectedHeader(response.access_token)).toMatchObject({
        alg: 'RS256',
        typ: 'at+jwt',
      });
      const access = await accessClaims(response.access_token);
      expect(access).toEqual({
        iss: ISSUER,
        sub: 'user-1',
        aud: ISSUER,
        client_id: 'web-app',
        scope: 'openid profile offline_access',
        gid: expect.stringMatching(UUID),
        auth_time: 1_750_000_000,
        acr: 'urn:latchkey:acr:password',
        amr: ['pwd'],
        iat: now,
        exp: now + 3600,
        jti: expect.any(String),
      });

      const header = decodeProtectedHeader(response.id_token!);
      expect(header).toEqual({ alg: 'RS256', kid: expect.any(String), typ: 'JWT' });
      expect(await idClaims(response.id_token!)).toEqual({
        iss: ISSUER,
        sub: 'user-1',
        aud: 'web-app',
        azp: 'web-app',
        iat: now,
        exp: now + 3600,
        auth_time: 1_750_000_000,
        nonce: 'n-0S6_WzA2Mj',
        at_hash: computeTokenHash(response.access_token, 'RS256'),
        sid: 'sid-1',
        amr: ['pwd'],
        acr: 'urn:latchkey:acr:password',
      });

      await expect(calls.validate(response.access_token)).resolves.toEqual({
        active: true,
        sub: 'user-1',
        client_id: 'web-app',
        scope: 'openid profile offline_access',
        aud: [ISSUER],
        iat: now,
        exp: now + 3600,
        jti: access.jti,
        grant_id: access.gid,
      });
    });

    it.each([
      ['es-app', 'ES256', 3600, 16],
      ['ed-app', 'EdDSA', 600, 32],
    ])(
      'signs the ID Token of %s with %s, at_hash per that algorithm',
      async (clientId, alg, lifetime, bytes) => {
        const pkce = pkcePair();
        const code = await codeFor({ client_id: clientId }, pkce);
        const response = await calls.exchange(
          { code, code_verifier: pkce.verifier },
          basic(clientId),
        );
        expect(decodeProtectedHeader(response.id_token!)).toMatchObject({ alg, typ: 'JWT' });
        const claims = await idClaims(response.id_token!, clientId, alg);
        expect(claims).toMatchObject({
          aud: clientId,
          azp: clientId,
          exp: clock.nowSeconds() + lifetime,
        });
        expect(claims.at_hash).toBe(computeTokenHash(response.access_token, alg));
        expect(Buffer.from(claims.at_hash as string, 'base64url')).toHaveLength(bytes);
        // The access token stays RS256 whatever the client picked for its ID Tokens.
        expect(decodeProtectedHeader(response.access_token).alg).toBe('RS256');
      },
    );

    it('leaves out nonce, amr and acr when the authorization had none', async () => {
      const pkce = pkcePair();
      const code = await codeFor({ nonce: undefined, amr: undefined, acr: undefined }, pkce);
      const response = await calls.exchange({ code, code_verifier: pkce.verifier });
      const claims = await idClaims(response.id_token!);
      expect(claims).not.toHaveProperty('nonce');
      expect(claims).not.toHaveProperty('amr');
      expect(claims).not.toHaveProperty('acr');
      expect(await accessClaims(response.access_token)).not.toHaveProperty('amr');
    });

    it('puts no profile claims in the ID Token (they come from userinfo)', async () => {
      const pkce = pkcePair();
      const code = await codeFor({ scope: 'openid profile email' }, pkce);
      const response = await calls.exchange({ code, code_verifier: pkce.verifier });
      const claims = await idClaims(response.id_token!);
      for (const claim of ['name', 'email', 'email_verified', 'preferred_username', 'scope']) {
        expect(claims).not.toHaveProperty(claim);
      }
    });

    it('lets the token request leave out redirect_uri when the authorization request did', async () => {
      const pkce = pkcePair();
      const code = await codeFor({ redirect_uri_explicit: false }, pkce);
      await expect(
        calls.exchange({ code, code_verifier: pkce.verifier, redirect_uri: '' }),
      ).resolves.toMatchObject({ token_type: 'Bearer' });
      // Sent anyway, it must still be the bound one.
      const again = await codeFor({ redirect_uri_explicit: false }, pkce);
      await expectOAuthRejection(
        calls.exchange({
          code: again,
          code_verifier: pkce.verifier,
          redirect_uri: OTHER_REDIRECT_URI,
        }),
        InvalidGrant,
        'invalid_grant',
      );
    });

    it('serves a public client (none) that proves PKCE', async () => {
      const pkce = pkcePair();
      const code = await codeFor({ client_id: 'spa', redirect_uri: SPA_REDIRECT_URI }, pkce);
      const response = await calls.exchange(
        { code, client_id: 'spa', redirect_uri: SPA_REDIRECT_URI, code_verifier: pkce.verifier },
        null,
      );
      expect(response).toMatchObject({ token_type: 'Bearer', refresh_token: expect.any(String) });
      expect((await accessClaims(response.access_token)).client_id).toBe('spa');
    });

    describe('refuses, with invalid_grant', () => {
      it('a code of another client (and the code is spent)', async () => {
        const pkce = pkcePair();
        const code = await codeFor({}, pkce);
        await expectOAuthRejection(
          calls.exchange({ code, code_verifier: pkce.verifier }, basic('other-app')),
          InvalidGrant,
          'invalid_grant',
          /issued to another client/,
        );
        await expectOAuthRejection(
          calls.exchange({ code, code_verifier: pkce.verifier }),
          InvalidGrant,
          'invalid_grant',
        );
      });

      it('a redirect_uri left out when the authorization request had one (invalid_request)', async () => {
        const pkce = pkcePair();
        const code = await codeFor({}, pkce);
        await expectOAuthRejection(
          calls.exchange({ code, code_verifier: pkce.verifier, redirect_uri: '' }),
          InvalidRequest,
          'invalid_request',
          /redirect_uri is required because the authorization request had one/,
        );
      });

      it('a redirect_uri other than the one of the authorization request', async () => {
        const pkce = pkcePair();
        const code = await codeFor({}, pkce);
        await expectOAuthRejection(
          calls.exchange({ code, code_verifier: pkce.verifier, redirect_uri: OTHER_REDIRECT_URI }),
          InvalidGrant,
          'invalid_grant',
          /redirect_uri does not match/,
        );
      });

      it('a wrong PKCE verifier', async () => {
        const code = await codeFor({}, pkcePair());
        await expectOAuthRejection(
          calls.exchange({ code, code_verifier: pkcePair().verifier }),
          InvalidGrant,
          'invalid_grant',
          /PKCE verification failed/,
        );
      });

      it('a missing verifier for a code bound to a challenge', async () => {
        const code = await codeFor({}, pkcePair());
        await expectOAuthRejection(
          calls.exchange({ code }),
          InvalidGrant,
          'invalid_grant',
          /code_verifier is required/,
        );
      });

      it('a missing verifier from a public client', async () => {
        const code = await codeFor(
          { client_id: 'spa', redirect_uri: SPA_REDIRECT_URI },
          pkcePair(),
        );
        await expectOAuthRejection(
          calls.exchange({ code, client_id: 'spa', redirect_uri: SPA_REDIRECT_URI }, null),
          InvalidGrant,
          'invalid_grant',
          /code_verifier is required/,
        );
      });

      it('a verifier for a code issued without a challenge (PKCE downgrade)', async () => {
        const code = await codeFor({}, null);
        await expectOAuthRejection(
          calls.exchange({ code, code_verifier: pkcePair().verifier }),
          InvalidGrant,
          'invalid_grant',
          /no code_challenge/,
        );
      });

      it('an expired code (61 s later on the service clock)', async () => {
        const pkce = pkcePair();
        const code = await codeFor({}, pkce);
        clock.advance(61_000);
        await expectOAuthRejection(
          calls.exchange({ code, code_verifier: pkce.verifier }),
          InvalidGrant,
          'invalid_grant',
          /expired/,
        );
      });

      it('a code still valid at 59 s is accepted', async () => {
        const pkce = pkcePair();
        const code = await codeFor({}, pkce);
        clock.advance(59_000);
        await expect(calls.exchange({ code, code_verifier: pkce.verifier })).resolves.toMatchObject(
          {
            token_type: 'Bearer',
          },
        );
      });

      it('an unknown or absurdly long code', async () => {
        for (const code of ['not-a-code', 'x'.repeat(5000)]) {
          await expectOAuthRejection(
            calls.exchange({ code, code_verifier: pkcePair().verifier }),
            InvalidGrant,
            'invalid_grant',
            /invalid, expired or already used/,
          );
        }
      });
    });

    describe('refuses malformed requests with invalid_request, before spending the code', () => {
      it.each<[string, Record<string, string | string[]>, RegExp]>([
        ['without code', { code: '' }, /code is required/],
        ['with a repeated code', { code: ['a', 'b'] }, /code must not be repeated/],
        ['with a malformed verifier', { code_verifier: 'short' }, /code_verifier must be/],
      ])('%s', async (_label, overrides, pattern) => {
        const pkce = pkcePair();
        const code = await codeFor({}, pkce);
        await expectOAuthRejection(
          calls.exchange({ code, code_verifier: pkce.verifier, ...overrides }),
          InvalidRequest,
          'invalid_request',
          pattern,
        );
        await expect(calls.exchange({ code, code_verifier: pkce.verifier })).resolves.toMatchObject(
          {
            token_type: 'Bearer',
          },
        );
      });
    });

    it('redeems one code once: of 20 parallel redemptions exactly one succeeds', async () => {
      const pkce = pkcePair();
      const code = await codeFor({}, pkce);
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => calls.exchange({ code, code_verifier: pkce.verifier })),
      );
      const succeeded = results.filter((r) => r.status === 'fulfilled');
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(succeeded).toHaveLength(1);
      expect(failed).toHaveLength(19);
      for (const failure of failed) {
        expect(failure.reason).toBeInstanceOf(InvalidGrant);
        expect((failure.reason as OAuthError).error).toBe('invalid_grant');
      }
    });

    it('revokes what the first redemption issued when the code comes back', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn');
      const pkce = pkcePair();
      const code = await codeFor({ sub: 'user-replayed' }, pkce);
      const first = await calls.exchange({ code, code_verifier: pkce.verifier });
      const gid = (await accessClaims(first.access_token)).gid;
      await expect(calls.validate(first.access_token)).resolves.toMatchObject({ active: true });

      await expectOAuthRejection(
        calls.exchange({ code, code_verifier: pkce.verifier }),
        InvalidGrant,
        'invalid_grant',
        /invalid, expired or already used/,
      );

      await expect(calls.validate(first.access_token)).resolves.toEqual({ active: false });
      await expectOAuthRejection(
        calls.refresh({ refresh_token: first.refresh_token! }),
        InvalidGrant,
        'invalid_grant',
      );
      const events = warn.mock.calls.filter(
        ([entry]) => (entry as { event?: string }).event === 'token.code_reuse_detected',
      );
      expect(events).toHaveLength(1);
      expect(events[0][0]).toMatchObject({
        client_id: 'web-app',
        sub: 'user-replayed',
        grant_id: gid,
      });
      expect(JSON.stringify(warn.mock.calls)).not.toContain(code);
    });

    describe('the refresh token', () => {
      const exchangeFor = async (clientId: string, scope: string) => {
        const pkce = pkcePair();
        const code = await codeFor({ client_id: clientId, scope }, pkce);
        return calls.exchange({ code, code_verifier: pkce.verifier }, basic(clientId));
      };

      it('is not issued to an OpenID Connect client without offline_access', async () => {
        const response = await exchangeFor('web-app', 'openid profile');
        expect(response).not.toHaveProperty('refresh_token');
        expect(response.id_token).toEqual(expect.any(String));
      });

      it('is not issued to a client without the refresh_token grant type', async () => {
        const response = await exchangeFor('no-refresh', 'openid offline_access');
        expect(response).not.toHaveProperty('refresh_token');
      });

      it('is issued to a plain OAuth client with the refresh_token grant type, without ID Token', async () => {
        const response = await exchangeFor('oauth-app', 'orders:read');
        expect(response).toEqual({
          access_token: expect.any(String),
          token_type: 'Bearer',
          // For the Orders API, whose scope it carries: that resource's lifetime.
          expires_in: 900,
          scope: 'orders:read',
          refresh_token: expect.any(String),
        });
      });

      it('is not issued to a plain OAuth client without it', async () => {
        registry.putClient(
          oauthClient({ client_id: 'oauth-no-refresh', grant_types: ['authorization_code'] }),
        );
        const response = await exchangeFor('oauth-no-refresh', 'orders:read');
        expect(response).not.toHaveProperty('refresh_token');
      });
    });

    describe('audience (docs/architecture.md §3, Audiences)', () => {
      const userinfo = `${ISSUER}/userinfo`;

      it('is the resource bound at the authorization request, with its lifetime, and userinfo', async () => {
        const pkce = pkcePair();
        const code = await codeFor({ scope: 'openid orders:read', resource: ORDERS }, pkce);
        const response = await calls.exchange({ code, code_verifier: pkce.verifier });
        expect(response.expires_in).toBe(900);
        const claims = await accessClaims(response.access_token, ORDERS);
        expect(claims).toMatchObject({ aud: [ORDERS, userinfo], scope: 'openid orders:read' });
        await expect(calls.validate(response.access_token)).resolves.toMatchObject({
          active: true,
          aud: [ORDERS, userinfo],
        });
      });

      it('without resource, is the API whose scope was granted (RFC 9068)', async () => {
        const pkce = pkcePair();
        const code = await codeFor({ scope: 'openid profile orders:read' }, pkce);
        const response = await calls.exchange({ code, code_verifier: pkce.verifier });
        expect(response.scope).toBe('openid profile orders:read');
        expect((await accessClaims(response.access_token, ORDERS)).aud).toEqual([ORDERS, userinfo]);
      });

      it('is the API alone for a token without openid', async () => {
        const pkce = pkcePair();
        const code = await codeFor({ client_id: 'oauth-app', scope: 'orders:read' }, pkce);
        const response = await calls.exchange(
          { code, code_verifier: pkce.verifier },
          basic('oauth-app'),
        );
        expect((await accessClaims(response.access_token, ORDERS)).aud).toBe(ORDERS);
      });

      it("is the client's default resource otherwise", async () => {
        const pkce = pkcePair();
        const code = await codeFor({ client_id: 'orders-app' }, pkce);
        const response = await calls.exchange(
          { code, code_verifier: pkce.verifier },
          basic('orders-app'),
        );
        expect((await accessClaims(response.access_token, ORDERS)).aud).toEqual([ORDERS, userinfo]);
      });

      it('refuses to mint a code for an unregistered resource (invalid_target)', () =>
        expectOAuthRejection(
          calls.issueCode(codeRequest({ resource: 'https://unknown.example.test' }, pkcePair())),
          InvalidTarget,
          'invalid_target',
          /not a registered resource/,
        ));

      it('drops a scope removed from its resource after the consent', async () => {
        const pkce = pkcePair();
        const code = await codeFor({ scope: 'openid orders:read' }, pkce);
        const resources = service.app.get(ResourcesCache);
        registry.resources = [resourceView({ identifier: ORDERS, scopes: ['orders:write'] })];
        resources.invalidate();
        try {
          const response = await calls.exchange({ code, code_verifier: pkce.verifier });
          expect(response.scope).toBe('openid');
          // No API scope left: the token is for userinfo (the issuer) alone.
          expect((await accessClaims(response.access_token)).aud).toBe(ISSUER);
        } finally {
          registry.resources = [resourceView({ identifier: ORDERS, access_token_lifetime: 900 })];
          resources.invalidate();
        }
      });

      it('refuses a resource parameter other than the bound one', async () => {
        const pkce = pkcePair();
        const code = await codeFor({ resource: ORDERS }, pkce);
        await expectOAuthRejection(
          calls.exchange({
            code,
            code_verifier: pkce.verifier,
            resource: 'https://billing.example.test',
          }),
          InvalidTarget,
          'invalid_target',
          /not the one the authorization was granted for/,
        );
      });

      it('accepts the bound resource repeated', async () => {
        const pkce = pkcePair();
        const code = await codeFor({ resource: ORDERS }, pkce);
        const response = await calls.exchange({
          code,
          code_verifier: pkce.verifier,
          resource: ORDERS,
        });
        expect((await accessClaims(response.access_token, ORDERS)).aud).toEqual([ORDERS, userinfo]);
      });
    });

    it('refuses a client not registered for authorization_code with unauthorized_client', () =>
      expectOAuthRejection(
        calls.exchange({ code: 'x', code_verifier: pkcePair().verifier }, basic('svc')),
        UnauthorizedClient,
        'unauthorized_client',
      ));
  });

  describe('token.access_token.validate', () => {
    let userToken: TokenResponse;

    beforeAll(async () => {
      const pkce = pkcePair();
      const code = await codeFor({}, pkce);
      userToken = await calls.exchange({ code, code_verifier: pkce.verifier });
    });

    it('answers a client_credentials token as active, without grant', async () => {
      const response = await calls.token({
        params: { grant_type: 'client_credentials' },
        authorization: basic('svc'),
      });
      const validated = await calls.validate(response.access_token);
      expect(validated).toMatchObject({
        active: true,
        sub: 'svc',
        client_id: 'svc',
        scope: 'orders:read',
      });
      expect(validated).not.toHaveProperty('grant_id');
    });

    it('answers an expired token as inactive', async () => {
      clock.advance(3601_000);
      await expect(calls.validate(userToken.access_token)).resolves.toEqual({ active: false });
    });

    it('answers an ID Token (typ JWT, not at+jwt) as inactive', async () => {
      await expect(calls.validate(userToken.id_token!)).resolves.toEqual({ active: false });
    });

    it('answers a tampered token as inactive', async () => {
      const [header, payload, signature] = userToken.access_token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as JWTPayload;
      const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url');
      await expect(calls.validate(`${header}.${forged}.${signature}`)).resolves.toEqual({
        active: false,
      });
    });

    it('answers a token signed by another key, or unsigned, as inactive', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const claims = await accessClaims(userToken.access_token);
      const foreign = await new SignJWT(claims)
        .setProtectedHeader({
          alg: 'RS256',
          typ: 'at+jwt',
          kid: decodeProtectedHeader(userToken.access_token).kid,
        })
        .sign(privateKey);
      await expect(calls.validate(foreign)).resolves.toEqual({ active: false });
      const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      const unsigned = `${encode({ alg: 'none', typ: 'at+jwt' })}.${encode(claims)}.`;
      await expect(calls.validate(unsigned)).resolves.toEqual({ active: false });
    });

    it('answers a token of another issuer as inactive', async () => {
      const fake = await generateKeyPair('RS256');
      const other = await new SignJWT({ client_id: 'web-app', jti: 'x' })
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt' })
        .setIssuer('https://other.example.test')
        .setSubject('user-1')
        .setAudience(ISSUER)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(fake.privateKey);
      await expect(calls.validate(other)).resolves.toEqual({ active: false });
    });

    it.each<[string, unknown]>([
      ['no token', undefined],
      ['null', null],
      ['an empty string', ''],
      ['a number', 42],
      ['a list', ['a']],
      ['three dots of nothing', 'not.a.jwt'],
      ['10 000 characters', 'x'.repeat(10_000)],
    ])('answers %s as inactive, never an error', async (_label, token) => {
      await expect(
        service.bus.request(TokenSubjects.ValidateAccessToken, { token }),
      ).resolves.toEqual({ active: false });
    });
  });
});
