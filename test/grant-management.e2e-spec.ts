import { expect } from '@jest/globals';
import { computeS256Challenge, randomToken } from '@latchkey/oauth';
import { decodeJwt } from 'jose';
import { startEmbeddedPlatform, type Platform } from './support/platform';
import { PlatformAdmin, type TestUser } from './support/provisioning';
import { HeadlessUserAgent } from './support/user-agent';

/**
 * What a user holds, managed through the admin API over real HTTP against the whole platform in
 * one process: after a real sign-in (login and consent pages), the user's grants, SSO sessions
 * and remembered consents are listed; revoking a grant kills its refresh token; ending the
 * sessions signs the user out everywhere (prompt=none: login_required); withdrawing the consent
 * brings the consent page back.
 */
const REDIRECT_URI = 'https://rp.example.test/callback';

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

interface Tokens {
  id_token: string;
  access_token: string;
  refresh_token?: string;
}

interface GrantItem {
  id: string;
  client_id: string;
  sub: string;
  scope: string;
  sid?: string;
  revoked_at?: string | null;
}

describe('admin API: grants, sessions and consents of a user (embedded)', () => {
  jest.setTimeout(120_000);

  let platform: Platform;
  let issuer: string;
  let adminToken: string;
  let alice: TestUser;
  let bob: TestUser;
  let clientId: string;

  beforeAll(async () => {
    platform = await startEmbeddedPlatform();
    issuer = platform.issuer;
    const admin = await PlatformAdmin.connect(platform);
    alice = await admin.createUser('alice');
    bob = await admin.createUser('bob');
    const basic = Buffer.from(`${platform.adminClient.id}:${platform.adminClient.secret}`);
    const token = await call('POST', '/token', {
      form: { grant_type: 'client_credentials' },
      headers: { authorization: `Basic ${basic.toString('base64')}` },
    });
    expect(token.status).toBe(200);
    adminToken = token.body.access_token as string;
    const client = await call('POST', '/admin/clients', {
      bearer: adminToken,
      json: {
        client_name: 'Grants RP',
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'none',
        scope: 'openid profile offline_access',
      },
    });
    expect(client.status).toBe(201);
    clientId = client.body.client_id as string;
  });

  afterAll(async () => {
    await platform?.stop();
  });

  async function call(
    method: string,
    route: string,
    options: {
      bearer?: string;
      json?: unknown;
      form?: Record<string, string>;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    }
    const res = await fetch(`${issuer}${route}`, { method, headers, body, redirect: 'manual' });
    const text = await res.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // An HTML page: `text` has it.
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  const admin = (method: string, route: string) => call(method, route, { bearer: adminToken });

  function authorizeUrl(verifier: string, extra: Record<string, string> = {}): string {
    return `${issuer}/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile offline_access',
      code_challenge: computeS256Challenge(verifier),
      code_challenge_method: 'S256',
      state: randomToken(16),
      ...extra,
    }).toString()}`;
  }

  async function signIn(agent: HeadlessUserAgent): Promise<Tokens> {
    const verifier = randomToken();
    const callback = await agent.authorize(authorizeUrl(verifier), { redirectUri: REDIRECT_URI });
    const code = callback.searchParams.get('code');
    expect(code).toEqual(expect.any(String));
    const token = await call('POST', '/token', {
      form: {
        grant_type: 'authorization_code',
        code: code!,
        redirect_uri: REDIRECT_URI,
        client_id: clientId,
        code_verifier: verifier,
      },
    });
    expect(token.status).toBe(200);
    return token.body as unknown as Tokens;
  }

  function refresh(refreshToken: string): Promise<Answer> {
    return call('POST', '/token', {
      form: { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId },
    });
  }

  async function silentAuthorization(agent: HeadlessUserAgent): Promise<URLSearchParams> {
    const callback = await agent.authorize(authorizeUrl(randomToken(), { prompt: 'none' }), {
      redirectUri: REDIRECT_URI,
    });
    return callback.searchParams;
  }

  function expectError(answer: Answer, status: number, error: string): void {
    expect({ status: answer.status, error: answer.body.error }).toEqual({ status, error });
    expect(answer.headers.get('cache-control')).toBe('no-store');
  }

  describe('after a sign-in', () => {
    let browser: HeadlessUserAgent;
    let tokens: Tokens;
    let grants: GrantItem[];

    beforeAll(async () => {
      browser = new HeadlessUserAgent(alice);
      tokens = await signIn(browser);
      expect(browser.pagesSeen).toEqual(['login', 'consent']);
      expect(tokens.refresh_token).toEqual(expect.any(String));
    });

    it("lists the user's grant", async () => {
      const answer = await admin('GET', `/admin/users/${alice.id}/grants`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      grants = answer.body.items as GrantItem[];
      expect(grants).toEqual([
        expect.objectContaining({
          id: expect.any(String),
          client_id: clientId,
          sub: alice.id,
          sid: decodeJwt(tokens.id_token).sid,
        }),
      ]);
      expect(grants[0]!.scope.split(' ').sort()).toEqual(['offline_access', 'openid', 'profile']);
      expect(grants[0]!.revoked_at ?? null).toBeNull();
      // Another user's list is their own.
      expect((await admin('GET', `/admin/users/${bob.id}/grants`)).body.items).toEqual([]);
    });

    it('lists the session: its public id and times, no secret', async () => {
      const answer = await admin('GET', `/admin/users/${alice.id}/sessions`);
      expect(answer.status).toBe(200);
      const items = answer.body.items as Record<string, unknown>[];
      expect(items).toHaveLength(1);
      expect(Object.keys(items[0]!).sort()).toEqual([
        'amr',
        'auth_time',
        'created_at',
        'expires_at',
        'last_seen_at',
        'sid',
      ]);
      expect(items[0]!.sid).toBe(decodeJwt(tokens.id_token).sid);
      const cookieSecret = browser.cookies.header().split('latchkey_session=')[1]!.split('.')[0]!;
      expect(answer.text).not.toContain(cookieSecret);
    });

    it('lists the remembered consent', async () => {
      const answer = await admin('GET', `/admin/users/${alice.id}/consents`);
      expect(answer.status).toBe(200);
      expect(answer.body.items).toEqual([
        {
          client_id: clientId,
          scopes: ['offline_access', 'openid', 'profile'],
          created_at: expect.any(String),
          updated_at: expect.any(String),
        },
      ]);
    });

    it('revokes the grant: its refresh token is refused from then on', async () => {
      const answer = await admin('DELETE', `/admin/grants/${grants[0]!.id}`);
      expect(answer.status).toBe(204);
      expectError(await refresh(tokens.refresh_token!), 400, 'invalid_grant');
      const listed = (await admin('GET', `/admin/users/${alice.id}/grants`)).body
        .items as GrantItem[];
      expect(listed.filter((g) => !g.revoked_at)).toEqual([]);
    });

    it('answers 404 for a grant that does not exist', async () => {
      expectError(
        await admin('DELETE', '/admin/grants/00000000-0000-4000-8000-000000000000'),
        404,
        'not_found',
      );
      expectError(await admin('DELETE', '/admin/grants/not-a-grant'), 404, 'not_found');
    });

    it('ends the sessions: the user must sign in again (prompt=none: login_required)', async () => {
      expect((await silentAuthorization(browser)).get('code')).toEqual(expect.any(String));
      const answer = await admin('DELETE', `/admin/users/${alice.id}/sessions`);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ ended: 1 });
      expect((await silentAuthorization(browser)).get('error')).toBe('login_required');
      expect((await admin('GET', `/admin/users/${alice.id}/sessions`)).body.items).toEqual([]);
    });

    it('remembers the consent on the next sign-in', async () => {
      await signIn(browser);
      expect(browser.pagesSeen).toEqual(['login']);
    });

    it('withdraws the consent: the consent page is shown again, the grant revoked', async () => {
      const answer = await admin('DELETE', `/admin/users/${alice.id}/consents/${clientId}`);
      expect(answer.status).toBe(204);
      expect((await admin('GET', `/admin/users/${alice.id}/consents`)).body.items).toEqual([]);
      const listed = (await admin('GET', `/admin/users/${alice.id}/grants`)).body
        .items as GrantItem[];
      expect(listed.filter((g) => !g.revoked_at)).toEqual([]);
      expectError(
        await admin('DELETE', `/admin/users/${alice.id}/consents/${clientId}`),
        404,
        'not_found',
      );

      // Still signed in: only the consent step comes back.
      const fresh = await signIn(browser);
      expect(browser.pagesSeen).toEqual(['consent']);
      expect(fresh.refresh_token).toEqual(expect.any(String));
    });

    it("revokes all of the user's grants", async () => {
      const active = (await admin('GET', `/admin/users/${alice.id}/grants`)).body
        .items as GrantItem[];
      const live = active.filter((g) => !g.revoked_at);
      expect(live).toHaveLength(1);
      const answer = await admin('DELETE', `/admin/users/${alice.id}/grants`);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ revoked: 1 });
    });
  });

  it.each([
    ['GET', 'grants'],
    ['DELETE', 'grants'],
    ['GET', 'sessions'],
    ['DELETE', 'sessions'],
    ['GET', 'consents'],
    ['DELETE', 'consents/some-client'],
  ])(
    '%s /admin/users/:id/%s: 404 for an unknown user, 401 without a token',
    async (method, path) => {
      expectError(await admin(method, `/admin/users/no-such-user/${path}`), 404, 'not_found');
      const anonymous = await call(method, `/admin/users/${alice.id}/${path}`);
      expectError(anonymous, 401, 'invalid_token');
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer /);
    },
  );

  it('refuses a token without the admin scope (403)', async () => {
    const browser = new HeadlessUserAgent(bob);
    const tokens = await signIn(browser);
    const answer = await call('GET', `/admin/users/${bob.id}/grants`, {
      bearer: tokens.access_token,
    });
    expectError(answer, 403, 'insufficient_scope');
  });
});
