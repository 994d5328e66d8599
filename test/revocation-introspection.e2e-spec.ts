import { expect } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { embeddedConfig, loadConfig, type PlatformConfig } from '@latchkey/config';
import { computeS256Challenge, randomToken } from '@latchkey/oauth';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startEmbedded, stopEmbedded } from '../apps/embedded/src/embedded';
import { KeyRotationService } from '../apps/token/src/keys/key-rotation.service';
import { callPlatform, type CallAnswer, type CallOptions } from './support/http-call';
import { describeEachMode, type Platform } from './support/platform';
import { freePort } from './support/processes';
import {
  FLOW_SCOPES,
  loopbackRedirectUri,
  PlatformAdmin,
  type TestClient,
} from './support/provisioning';
import { HeadlessUserAgent } from './support/user-agent';

/**
 * Revocation (RFC 7009) and introspection (RFC 7662, RFC 9701 JWT responses) over real HTTP
 * against the whole platform, in both run modes, with user tokens obtained through the real
 * authorization code flow; and signing-key rotation (embedded, where the test can take the
 * scheduler's promotion step itself instead of waiting for it).
 */
jest.setTimeout(120_000);

const ORDERS = 'https://orders.example.test';
const INACTIVE = { active: false };

type Answer = CallAnswer;

interface UserTokens {
  access_token: string;
  refresh_token: string;
  id_token: string;
}

interface Credentials {
  id: string;
  secret: string;
}

/**
 * A relying party, a resource server and an operator talking to one platform: HTTP calls,
 * provisioning through the admin API, and the authorization code flow through the login and
 * consent pages.
 */
class Parties {
  adminToken = '';
  appA!: TestClient;
  appB!: TestClient;
  /** The resource server of ORDERS: a client whose default_resource is ORDERS. */
  api!: Credentials;
  /** A client_credentials client that gets tokens for ORDERS. */
  service!: Credentials;
  private agent!: HeadlessUserAgent;

  constructor(private readonly platform: Pick<Platform, 'issuer' | 'adminClient'>) {}

  get issuer(): string {
    return this.platform.issuer;
  }

  async provision(): Promise<void> {
    const { adminClient } = this.platform;
    const admin = await PlatformAdmin.connect(this.platform);
    this.adminToken = await this.clientCredentials({
      id: adminClient.id,
      secret: adminClient.secret,
    });
    const user = await admin.createUser('rita');
    this.agent = new HeadlessUserAgent({ username: user.username, password: user.password });
    const redirectUri = loopbackRedirectUri(await freePort());
    this.appA = await admin.createClient('client_secret_basic', { redirectUri, name: 'App A' });
    this.appB = await admin.createClient('client_secret_basic', { redirectUri, name: 'App B' });
    const resource = await this.call('POST', '/admin/resources', {
      token: this.adminToken,
      json: { identifier: ORDERS, name: 'Orders', scopes: ['orders:read'] },
    });
    expect(resource.status).toBe(201);
    this.api = await this.serviceClient('Orders API', { default_resource: ORDERS });
    this.service = await this.serviceClient('Order sync');
  }

  call(method: string, route: string, options: CallOptions = {}): Promise<Answer> {
    return callPlatform(this.issuer, method, route, options);
  }

  async clientCredentials(client: Credentials, resource?: string): Promise<string> {
    const answer = await this.call('POST', '/token', {
      basic: client,
      form: { grant_type: 'client_credentials', ...(resource ? { resource } : {}) },
    });
    expect(answer.status).toBe(200);
    return answer.body.access_token as string;
  }

  /** The authorization code flow through the login and consent pages, then /token. */
  async userTokens(client: TestClient): Promise<UserTokens> {
    const verifier = randomToken(32);
    const url = new URL(`${this.issuer}/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: client.redirect_uri,
      scope: FLOW_SCOPES.join(' '),
      state: randomToken(16),
      nonce: randomToken(16),
      code_challenge: computeS256Challenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    const callback = await this.agent.authorize(url, { redirectUri: client.redirect_uri });
    const code = callback.searchParams.get('code');
    expect(code).toEqual(expect.any(String));
    const answer = await this.call('POST', '/token', {
      basic: credentials(client),
      form: {
        grant_type: 'authorization_code',
        code: code!,
        redirect_uri: client.redirect_uri,
        code_verifier: verifier,
      },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.refresh_token).toEqual(expect.any(String));
    return answer.body as unknown as UserTokens;
  }

  refresh(client: TestClient, refreshToken: string): Promise<Answer> {
    return this.call('POST', '/token', {
      basic: credentials(client),
      form: { grant_type: 'refresh_token', refresh_token: refreshToken },
    });
  }

  revoke(client: Credentials, form: Record<string, string>): Promise<Answer> {
    return this.call('POST', '/revoke', { basic: client, form });
  }

  introspect(
    client: Credentials,
    form: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    return this.call('POST', '/introspect', { basic: client, form, headers });
  }

  userinfo(accessToken: string): Promise<Answer> {
    return this.call('GET', '/userinfo', { token: accessToken });
  }

  async jwks(): Promise<JSONWebKeySet> {
    return (await this.call('GET', '/.well-known/jwks.json')).body as unknown as JSONWebKeySet;
  }

  private async serviceClient(name: string, extra: Record<string, unknown> = {}) {
    const answer = await this.call('POST', '/admin/clients', {
      token: this.adminToken,
      json: {
        client_name: name,
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'orders:read',
        ...extra,
      },
    });
    expect(answer.status).toBe(201);
    return { id: answer.body.client_id as string, secret: answer.body.client_secret as string };
  }
}

function credentials(client: TestClient): Credentials {
  return { id: client.client_id, secret: client.client_secret! };
}

describeEachMode('revocation and introspection over HTTP', (platform) => {
  let p: Parties;

  beforeAll(async () => {
    p = new Parties(platform());
    await p.provision();
  });

  it('advertises both endpoints and back-channel logout in discovery', async () => {
    const discovery = await p.call('GET', '/.well-known/openid-configuration');
    expect(discovery.body).toMatchObject({
      revocation_endpoint: `${p.issuer}/revoke`,
      introspection_endpoint: `${p.issuer}/introspect`,
      introspection_endpoint_auth_methods_supported: [
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
      ],
      end_session_endpoint: `${p.issuer}/logout`,
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
    });
  });

  describe('POST /revoke (RFC 7009)', () => {
    it('revokes an access token: the very next introspection and userinfo refuse it', async () => {
      const tokens = await p.userTokens(p.appA);
      expect((await p.userinfo(tokens.access_token)).status).toBe(200);
      const before = await p.introspect(credentials(p.appA), { token: tokens.access_token });
      expect(before.body).toMatchObject({ active: true });

      const revoked = await p.revoke(credentials(p.appA), {
        token: tokens.access_token,
        token_type_hint: 'access_token',
      });
      expect(revoked.status).toBe(200);
      expect(revoked.text).toBe('');
      expect(revoked.headers.get('cache-control')).toBe('no-store');

      const after = await p.introspect(credentials(p.appA), { token: tokens.access_token });
      expect(after.body).toEqual(INACTIVE);
      const info = await p.userinfo(tokens.access_token);
      expect(info.status).toBe(401);
      expect(info.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
      // Only that token: the grant lives on, its refresh token still works.
      expect((await p.refresh(p.appA, tokens.refresh_token)).status).toBe(200);
    });

    it('revokes a refresh token: the whole grant ends, its access tokens with it', async () => {
      const tokens = await p.userTokens(p.appA);
      expect((await p.revoke(credentials(p.appA), { token: tokens.refresh_token })).status).toBe(
        200,
      );
      const refresh = await p.refresh(p.appA, tokens.refresh_token);
      expect(refresh.status).toBe(400);
      expect(refresh.body.error).toBe('invalid_grant');
      expect((await p.userinfo(tokens.access_token)).status).toBe(401);
      for (const token of [tokens.refresh_token, tokens.access_token]) {
        expect((await p.introspect(credentials(p.appA), { token })).body).toEqual(INACTIVE);
      }
    });

    it("leaves another client's tokens alone, and says 200 all the same", async () => {
      const tokens = await p.userTokens(p.appA);
      for (const token of [tokens.access_token, tokens.refresh_token]) {
        const answer = await p.revoke(credentials(p.appB), { token });
        expect(answer.status).toBe(200);
        expect(answer.text).toBe('');
      }
      expect((await p.userinfo(tokens.access_token)).status).toBe(200);
      const refresh = await p.introspect(credentials(p.appA), { token: tokens.refresh_token });
      expect(refresh.body).toMatchObject({ active: true, token_type: 'refresh_token' });
    });

    it('answers 200 for garbage and an unknown token type hint', async () => {
      const answer = await p.revoke(credentials(p.appA), {
        token: 'not-a-token-at-all',
        token_type_hint: 'something_else',
      });
      expect(answer.status).toBe(200);
      expect(answer.text).toBe('');
    });

    it('answers 400 invalid_request without token', async () => {
      const answer = await p.revoke(credentials(p.appA), { token_type_hint: 'access_token' });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_request');
      expect(answer.headers.get('cache-control')).toBe('no-store');
    });

    it('answers 401 invalid_client with the Basic challenge for bad or missing credentials', async () => {
      const wrong = await p.revoke({ id: p.appA.client_id, secret: 'wrong' }, { token: 'x' });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error).toBe('invalid_client');
      expect(wrong.headers.get('www-authenticate')).toBe(`Basic realm="${p.issuer}"`);
      const none = await p.call('POST', '/revoke', { form: { token: 'x' } });
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe(`Basic realm="${p.issuer}"`);
    });
  });

  describe('POST /introspect (RFC 7662)', () => {
    it('describes an active user access token to its client', async () => {
      const tokens = await p.userTokens(p.appA);
      const answer = await p.introspect(credentials(p.appA), { token: tokens.access_token });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.body).toEqual({
        active: true,
        scope: FLOW_SCOPES.join(' '),
        client_id: p.appA.client_id,
        sub: expect.any(String),
        aud: p.issuer,
        iss: p.issuer,
        exp: expect.any(Number),
        iat: expect.any(Number),
        token_type: 'Bearer',
        jti: expect.any(String),
      });
    });

    it('describes a token for a resource to that resource server, and to nobody else', async () => {
      const token = await p.clientCredentials(p.service, ORDERS);
      expect((await p.introspect(p.api, { token })).body).toMatchObject({
        active: true,
        client_id: p.service.id,
        aud: ORDERS,
        scope: 'orders:read',
      });
      expect((await p.introspect(credentials(p.appB), { token })).body).toEqual(INACTIVE);
    });

    it('answers exactly {"active":false} for tokens the caller may not see, and garbage', async () => {
      const tokens = await p.userTokens(p.appA);
      for (const [caller, token] of [
        [credentials(p.appB), tokens.access_token],
        [credentials(p.appB), tokens.refresh_token],
        [p.api, tokens.access_token],
        [credentials(p.appA), 'garbage'],
        [credentials(p.appA), tokens.id_token],
      ] as const) {
        const answer = await p.introspect(caller, { token });
        expect(answer.status).toBe(200);
        expect(answer.text).toBe('{"active":false}');
      }
    });

    it('answers 401 invalid_client for bad credentials and 400 without token', async () => {
      const bad = await p.introspect({ id: p.appA.client_id, secret: 'nope' }, { token: 'x' });
      expect(bad.status).toBe(401);
      expect(bad.headers.get('www-authenticate')).toBe(`Basic realm="${p.issuer}"`);
      const missing = await p.introspect(credentials(p.appA), {});
      expect(missing.status).toBe(400);
      expect(missing.body.error).toBe('invalid_request');
    });

    it('answers a signed JWT (RFC 9701) that verifies against the published JWKS', async () => {
      const tokens = await p.userTokens(p.appA);
      const json = await p.introspect(credentials(p.appA), { token: tokens.access_token });
      const answer = await p.introspect(
        credentials(p.appA),
        { token: tokens.access_token },
        { accept: 'application/token-introspection+jwt' },
      );
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe('application/token-introspection+jwt');
      const { payload, protectedHeader } = await jwtVerify(
        answer.text,
        createLocalJWKSet(await p.jwks()),
        { issuer: p.issuer, audience: p.appA.client_id, typ: 'token-introspection+jwt' },
      );
      expect(protectedHeader.typ).toBe('token-introspection+jwt');
      expect(payload.token_introspection).toEqual(json.body);
      expect(payload.iat).toEqual(expect.any(Number));
      expect(payload).not.toHaveProperty('sub');
    });
  });
});

describe('signing-key rotation over HTTP (embedded)', () => {
  let dataDir: string;
  let config: PlatformConfig;
  let apps: INestApplication[];
  let p: Parties;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-rotation-'));
    // The issuer is the URL the gateway serves: the user agent follows its redirects.
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    config = embeddedConfig(
      loadConfig({ PORT: String(port), ISSUER: issuer, DATA_DIR: dataDir, LOG_LEVEL: 'silent' }),
    );
    apps = await startEmbedded(config);
    p = new Parties({ issuer, adminClient: config.adminClient! });
    await p.provision();
  });

  afterAll(async () => {
    if (apps) await stopEmbedded(apps);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('publishes the new key first, signs with it after promotion, and old tokens still verify', async () => {
    const userBefore = await p.userTokens(p.appA);
    const before = await p.clientCredentials(p.service, ORDERS);
    const oldKid = decodeProtectedHeader(before).kid;

    const requestedAt = Date.now();
    const rotation = await p.call('POST', '/admin/keys/rotate', { token: p.adminToken });
    expect(rotation.status).toBe(200);
    expect(rotation.headers.get('cache-control')).toBe('no-store');
    expect(rotation.body).toMatchObject({ alg: 'RS256', previous_kid: oldKid });
    const newKid = rotation.body.kid as string;
    expect(newKid).not.toBe(oldKid);
    expect(rotation.body.rotated).toHaveLength(3);
    const activatesAt = Date.parse(rotation.body.activates_at as string);
    expect(activatesAt).toBeGreaterThanOrEqual(requestedAt + 119_000);
    expect(activatesAt).toBeLessThanOrEqual(Date.now() + 121_000);

    // Published, not signing yet.
    const pending = await p.clientCredentials(p.service, ORDERS);
    expect(decodeProtectedHeader(pending).kid).toBe(oldKid);

    // The promotion a scheduler tick makes at activates_at, taken directly instead of waiting.
    const step = await apps[0]!.get(KeyRotationService).step(new Date(activatesAt));
    expect(step.promoted).toEqual(
      expect.arrayContaining([{ alg: 'RS256', kid: newKid, previous_kid: oldKid }]),
    );

    const adminAfter = await p.clientCredentials({
      id: config.adminClient!.id,
      secret: config.adminClient!.secret,
    });
    expect(decodeProtectedHeader(adminAfter).kid).toBe(newKid);
    // The gateway accepts an admin token signed with the new key (it refreshes its JWKS).
    expect((await p.call('GET', '/admin/resources', { token: adminAfter })).status).toBe(200);

    const keySet = createLocalJWKSet(await p.jwks());
    await expect(
      jwtVerify(before, keySet, { issuer: p.issuer, audience: ORDERS }),
    ).resolves.toBeDefined();
    await expect(jwtVerify(adminAfter, keySet, { issuer: p.issuer })).resolves.toBeDefined();
    // A user token signed with the old key still opens userinfo; a new one is new-key signed.
    expect((await p.userinfo(userBefore.access_token)).status).toBe(200);
    const userAfter = await p.userTokens(p.appA);
    expect(decodeProtectedHeader(userAfter.access_token).kid).toBe(newKid);
    expect((await p.userinfo(userAfter.access_token)).status).toBe(200);
  });
});
