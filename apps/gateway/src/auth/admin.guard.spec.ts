import { revokedJtiKey } from '@latchkey/contracts';
import { MemoryKvStore } from '@latchkey/kv';
import type { ExecutionContext } from '@nestjs/common';
import {
  ClientSubjects,
  TokenSubjects,
  type ClientRecord,
  type JwksResponse,
} from '@latchkey/contracts';
import { FixedClock } from '@latchkey/core';
import { ClientsCache } from '@latchkey/registry-client';
import {
  ACCESS_TOKEN_CLOCK_TOLERANCE_SECONDS,
  InsufficientScope,
  InvalidToken,
  TemporarilyUnavailable,
} from '@latchkey/oauth';
import { SignJWT } from 'jose';
import { expectOAuthRejection, RecordingAuditClient } from '@latchkey/testing';
import { KEY_SET_REFRESH_COOLDOWN_MS, MissingBearerToken } from '@latchkey/oauth-http';
import {
  jwksOf,
  signAccessToken,
  TEST_ISSUER,
  testKey,
  type TestKey,
} from '../fixtures/access-token.fixture';
import { webClient } from '../fixtures/client.fixture';
import { FakeBus } from '../fixtures/fake-bus.fixture';
import { JwksService } from '../well-known/jwks.service';
import { AccessTokenVerifier } from './access-token.verifier';
import { AdminGuard, type AuthenticatedRequest } from './admin.guard';

describe('AdminGuard', () => {
  let rsa: TestKey;
  let ec: TestKey;
  let ed: TestKey;
  let bus: FakeBus;
  let published: JwksResponse;
  let guard: AdminGuard;
  let audit: RecordingAuditClient;
  let kv: MemoryKvStore;
  let clients: ClientsCache;
  /** What the registry answers for the admin token's client (null: deleted). */
  let adminClient: ClientRecord | null;

  beforeAll(async () => {
    rsa = await testKey('rsa-1', 'RS256');
    ec = await testKey('ec-1', 'ES256');
    ed = await testKey('ed-1', 'EdDSA');
  });

  beforeEach(() => {
    published = jwksOf(rsa, ec, ed);
    adminClient = webClient({ client_id: 'latchkey-admin', scope: 'admin' });
    bus = new FakeBus()
      .on(TokenSubjects.Jwks, () => published)
      .on(ClientSubjects.Get, (data) =>
        (data as { client_id: string }).client_id === adminClient?.client_id ? adminClient : null,
      );
    kv = new MemoryKvStore({ sweepIntervalMs: 0 });
    clients = new ClientsCache(bus.asBusClient(), new FixedClock(1_700_000_000_000));
    audit = new RecordingAuditClient('gateway');
    guard = new AdminGuard(
      new AccessTokenVerifier(new JwksService(bus.asBusClient()), TEST_ISSUER, kv, clients),
      audit,
    );
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await kv.close();
  });

  function requestWith(authorization?: string): AuthenticatedRequest {
    return {
      headers: authorization === undefined ? {} : { authorization },
    } as AuthenticatedRequest;
  }

  function contextOf(request: AuthenticatedRequest): ExecutionContext {
    return { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
  }

  const check = (authorization?: string) =>
    guard.canActivate(contextOf(requestWith(authorization)));

  const invalidToken = (description?: RegExp) =>
    ({ error: 'invalid_token', status: 401, description }) as const;

  describe('lets in', () => {
    it.each([
      ['RS256', () => rsa],
      ['ES256', () => ec],
      ['EdDSA', () => ed],
    ])('a valid %s access token with the admin scope, and keeps its claims', async (_alg, key) => {
      const request = requestWith(`Bearer ${await signAccessToken({ key: key() })}`);
      await expect(guard.canActivate(contextOf(request))).resolves.toBe(true);
      expect(request.accessToken).toMatchObject({
        sub: 'latchkey-admin',
        client_id: 'latchkey-admin',
        jti: 'jti-1',
      });
      expect([...request.accessToken!.scopes]).toEqual(['admin']);
    });

    it('admin among other scopes, an audience list holding the issuer, a lower-case scheme', async () => {
      const token = await signAccessToken({
        key: rsa,
        claims: { scope: 'reports:read admin', aud: ['https://api.example.test', TEST_ISSUER] },
      });
      await expect(check(`bearer ${token}`)).resolves.toBe(true);
    });

    it('verifies locally: one JWKS fetch for many requests', async () => {
      for (let i = 0; i < 3; i++) {
        await expect(check(`Bearer ${await signAccessToken({ key: rsa })}`)).resolves.toBe(true);
      }
      expect(bus.requestsFor(TokenSubjects.Jwks)).toHaveLength(1);
    });
  });

  describe('no Bearer credentials: 401 with a bare challenge (MissingBearerToken)', () => {
    it('no Authorization header', async () => {
      await expectOAuthRejection(check(), MissingBearerToken, invalidToken());
    });

    it('an empty Authorization header', async () => {
      await expectOAuthRejection(check('  '), MissingBearerToken, invalidToken());
    });

    it('another scheme (Basic)', async () => {
      await expectOAuthRejection(
        check('Basic bGF0Y2hrZXk6c2VjcmV0'),
        MissingBearerToken,
        invalidToken(/another scheme/),
      );
    });
  });

  // The one tolerance of libs/oauth's verification options: the token service's validator
  // (userinfo, introspection) is held to the same boundary in access-token.validator.spec.ts.
  describe('expiry, with the platform clock tolerance', () => {
    const EXP = 1_750_000_000;
    const atSecond = (seconds: number) => jest.setSystemTime(seconds * 1000);
    const expiringToken = () => signAccessToken({ key: rsa, claims: { iat: EXP - 300, exp: EXP } });

    beforeEach(() => {
      // Only Date moves; timers and promises run as usual.
      jest.useFakeTimers({
        doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout'],
      });
    });
    afterEach(() => jest.useRealTimers());

    it('lets in a token the last second inside the tolerance', async () => {
      const token = await expiringToken();
      atSecond(EXP + ACCESS_TOKEN_CLOCK_TOLERANCE_SECONDS - 1);
      await expect(check(`Bearer ${token}`)).resolves.toBe(true);
    });

    it('refuses it from the first second beyond the tolerance', async () => {
      const token = await expiringToken();
      for (const late of [0, 1, 3]) {
        atSecond(EXP + ACCESS_TOKEN_CLOCK_TOLERANCE_SECONDS + late);
        await expectOAuthRejection(check(`Bearer ${token}`), InvalidToken, invalidToken(/expired/));
      }
    });
  });

  describe('refuses with 401 invalid_token', () => {
    it('Bearer without a token', async () => {
      await expectOAuthRejection(check('Bearer'), InvalidToken, invalidToken(/malformed/));
    });

    it('a token that is not a b64token', async () => {
      await expectOAuthRejection(check('Bearer a b'), InvalidToken, invalidToken(/malformed/));
    });

    it('garbage that is not a JWT', async () => {
      await expectOAuthRejection(
        check('Bearer not.a.jwt'),
        InvalidToken,
        invalidToken(/not valid/),
      );
    });

    it('an expired token', async () => {
      const token = await signAccessToken({ key: rsa, expiresIn: -60 });
      await expectOAuthRejection(check(`Bearer ${token}`), InvalidToken, invalidToken(/expired/));
    });

    it('a token revoked before it expired (RFC 7009 denylist by jti)', async () => {
      const token = await signAccessToken({ key: rsa, claims: { jti: 'revoked-jti' } });
      await expect(check(`Bearer ${token}`)).resolves.toBe(true);
      await kv.set(revokedJtiKey('revoked-jti'), '1', 60_000);
      await expectOAuthRejection(check(`Bearer ${token}`), InvalidToken, invalidToken(/revoked/));
    });

    it('a token of a client that was disabled since, once the change cleared the cache', async () => {
      const token = await signAccessToken({ key: rsa });
      await expect(check(`Bearer ${token}`)).resolves.toBe(true);
      adminClient = { ...adminClient!, disabled: true };
      clients.invalidate('latchkey-admin');
      await expectOAuthRejection(
        check(`Bearer ${token}`),
        InvalidToken,
        invalidToken(/client of the access token is not active/),
      );
    });

    it('a token of a client that is gone (deleted, or never known)', async () => {
      adminClient = null;
      const token = await signAccessToken({ key: rsa });
      await expectOAuthRejection(
        check(`Bearer ${token}`),
        InvalidToken,
        invalidToken(/client of the access token is not active/),
      );
    });

    it('another issuer', async () => {
      const token = await signAccessToken({ key: rsa, claims: { iss: 'https://evil.example' } });
      await expectOAuthRejection(check(`Bearer ${token}`), InvalidToken, invalidToken(/\biss\b/));
    });

    it('another audience (a token for a resource server)', async () => {
      const token = await signAccessToken({
        key: rsa,
        claims: { aud: 'https://api.example.test' },
      });
      await expectOAuthRejection(check(`Bearer ${token}`), InvalidToken, invalidToken(/\baud\b/));
    });

    it('another typ (an id_token signed by the same key)', async () => {
      const token = await signAccessToken({ key: rsa, typ: 'JWT' });
      await expectOAuthRejection(check(`Bearer ${token}`), InvalidToken, invalidToken(/\btyp\b/));
    });

    it.each(['exp', 'iat', 'sub', 'client_id', 'jti'])(
      'a token without %s (RFC 9068 §2.2)',
      async (claim) => {
        const token = await signAccessToken({ key: rsa, claims: { [claim]: undefined } });
        await expectOAuthRejection(check(`Bearer ${token}`), InvalidToken, invalidToken());
      },
    );

    it('a scope claim that is not a string', async () => {
      const token = await signAccessToken({ key: rsa, claims: { scope: ['admin'] } });
      await expectOAuthRejection(check(`Bearer ${token}`), InvalidToken, invalidToken(/scope/));
    });

    it('a signature that does not verify', async () => {
      const [header, payload] = (await signAccessToken({ key: rsa })).split('.');
      const other = (await signAccessToken({ key: rsa, claims: { scope: 'none' } })).split('.')[2];
      await expectOAuthRejection(
        check(`Bearer ${header}.${payload}.${other}`),
        InvalidToken,
        invalidToken(),
      );
    });

    it('a key that claims a published kid but is not that key', async () => {
      const impostor = { ...(await testKey('rsa-1', 'RS256')) };
      const token = await signAccessToken({ key: impostor });
      await expectOAuthRejection(check(`Bearer ${token}`), InvalidToken, invalidToken());
    });

    it('an algorithm other than RS256, ES256, EdDSA (HS256 with a guessable secret)', async () => {
      const token = await new SignJWT({ iss: TEST_ISSUER, aud: TEST_ISSUER, scope: 'admin' })
        .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1', typ: 'at+jwt' })
        .sign(new TextEncoder().encode('x'.repeat(32)));
      await expectOAuthRejection(check(`Bearer ${token}`), InvalidToken, invalidToken());
    });

    it('an unsigned token (alg none)', async () => {
      const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const token = `${encode({ alg: 'none', typ: 'at+jwt' })}.${encode({
        iss: TEST_ISSUER,
        aud: TEST_ISSUER,
        sub: 'x',
        client_id: 'x',
        jti: 'x',
        iat: now,
        exp: now + 60,
        scope: 'admin',
      })}.`;
      await expectOAuthRejection(check(`Bearer ${token}`), InvalidToken, invalidToken());
    });
  });

  describe('a key the cached JWKS does not know', () => {
    let rotated: TestKey;
    let now: number;

    beforeEach(async () => {
      rotated = await testKey('rsa-2', 'RS256');
      now = 1_800_000_000_000;
      jest.spyOn(Date, 'now').mockImplementation(() => now);
    });

    it('refreshes the JWKS once and accepts a token signed by a key rotated in since', async () => {
      await expect(check(`Bearer ${await signAccessToken({ key: rsa })}`)).resolves.toBe(true);
      published = jwksOf(rsa, rotated);
      await expect(check(`Bearer ${await signAccessToken({ key: rotated })}`)).resolves.toBe(true);
      expect(bus.requestsFor(TokenSubjects.Jwks)).toHaveLength(2);
    });

    it('refreshes at most once per cooldown, however many unknown kids arrive', async () => {
      const unknown = await testKey('nobody', 'RS256');
      const forged = `Bearer ${await signAccessToken({ key: unknown })}`;
      await expectOAuthRejection(check(forged), InvalidToken, invalidToken());
      expect(bus.requestsFor(TokenSubjects.Jwks)).toHaveLength(2);
      now += 1_000;
      await expectOAuthRejection(check(forged), InvalidToken, invalidToken());
      await expectOAuthRejection(check(forged), InvalidToken, invalidToken());
      expect(bus.requestsFor(TokenSubjects.Jwks)).toHaveLength(2);
      now += KEY_SET_REFRESH_COOLDOWN_MS;
      await expectOAuthRejection(check(forged), InvalidToken, invalidToken());
      expect(bus.requestsFor(TokenSubjects.Jwks)).toHaveLength(3);
    });
  });

  it('answers 403 insufficient_scope to a valid token without admin', async () => {
    const token = await signAccessToken({
      key: rsa,
      claims: { scope: 'reports:read administrator' },
    });
    await expectOAuthRejection(check(`Bearer ${token}`), InsufficientScope, {
      error: 'insufficient_scope',
      status: 403,
      description: /admin/,
    });
  });

  it('answers 403 to a valid token with no scope at all', async () => {
    const token = await signAccessToken({ key: rsa, claims: { scope: undefined } });
    await expectOAuthRejection(check(`Bearer ${token}`), InsufficientScope, {
      error: 'insufficient_scope',
      status: 403,
    });
  });

  it('reads a known client from memory: no bus round trip per request', async () => {
    const token = await signAccessToken({ key: rsa });
    for (let i = 0; i < 3; i++) await expect(check(`Bearer ${token}`)).resolves.toBe(true);
    expect(bus.requestsFor(ClientSubjects.Get)).toHaveLength(1);
  });

  it('fails closed with 503 when the registry cannot say whether the client is active', async () => {
    bus.on(ClientSubjects.Get, () => {
      throw new TemporarilyUnavailable();
    });
    const token = await signAccessToken({ key: rsa });
    await expectOAuthRejection(check(`Bearer ${token}`), TemporarilyUnavailable, {
      error: 'temporarily_unavailable',
      status: 503,
    });
  });

  it('fails closed with 503 when the key set cannot be had', async () => {
    bus.on(TokenSubjects.Jwks, () => {
      throw new TemporarilyUnavailable();
    });
    const token = await signAccessToken({ key: rsa });
    await expectOAuthRejection(check(`Bearer ${token}`), TemporarilyUnavailable, {
      error: 'temporarily_unavailable',
      status: 503,
    });
  });
});
