import type { INestApplication } from '@nestjs/common';
import { embeddedConfig, loadConfig, type PlatformConfig } from '@latchkey/config';
import { computeS256Challenge, randomToken } from '@latchkey/oauth';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startEmbedded, stopEmbedded } from '../apps/embedded/src/embedded';
import { ownLoopbackAddress, postFrom } from './support/http-call';

/**
 * The browser half of the authorization code flow over real HTTP against the whole platform in
 * one process: /authorize, the login and consent pages with their hidden fields, SSO and
 * remembered consent, the redirect back with code, state and iss (RFC 9207), the code at /token
 * with its PKCE verifier, and /userinfo. Redirects are followed by hand with a cookie jar, as a
 * browser would.
 */
const ISSUER = 'https://id.example.test';
const REDIRECT_URI = 'https://app.example.test/callback';
const PASSWORD = 'correct horse battery staple';
const DEFAULT_VERIFIER = randomToken();

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: Record<string, unknown>;
  location?: string;
}

/** A browser's cookie store for one site: name → value, from Set-Cookie, Max-Age=0 deletes. */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  names(): string[] {
    return [...this.cookies.keys()];
  }
}

describe('authorization code flow: /authorize, login, consent, userinfo (embedded)', () => {
  jest.setTimeout(120_000);

  let dataDir: string;
  let config: PlatformConfig;
  let apps: INestApplication[];
  let base: string;
  let adminToken: string;
  let clientId: string;
  let userId: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-authorize-'));
    config = embeddedConfig({
      ...loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ISSUER }),
      port: 0,
    });
    apps = await startEmbedded(config);
    const gateway = apps[apps.length - 1]!;
    const { port } = (gateway.getHttpServer() as Server).address() as AddressInfo;
    base = `http://127.0.0.1:${port}`;

    const admin = await call('POST', '/token', {
      form: 'grant_type=client_credentials',
      headers: {
        authorization: `Basic ${Buffer.from(
          `${config.adminClient!.id}:${config.adminClient!.secret}`,
        ).toString('base64')}`,
      },
    });
    expect(admin.status).toBe(200);
    adminToken = admin.body.access_token as string;

    const user = await call('POST', '/admin/users', {
      token: adminToken,
      json: {
        username: 'alice',
        password: PASSWORD,
        email: 'alice@example.test',
        email_verified: true,
        name: 'Alice Example',
      },
    });
    expect(user.status).toBe(201);
    userId = user.body.id as string;

    const client = await call('POST', '/admin/clients', {
      token: adminToken,
      json: {
        client_name: 'Demo <script>alert(1)</script>',
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'none',
        scope: 'openid profile email offline_access',
      },
    });
    expect(client.status).toBe(201);
    clientId = client.body.client_id as string;
  });

  afterAll(async () => {
    if (apps) await stopEmbedded(apps);
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The issuer's URLs are served by the gateway under test. */
  const local = (url: string) => (url.startsWith(ISSUER) ? base + url.slice(ISSUER.length) : url);

  async function call(
    method: string,
    route: string,
    options: {
      token?: string;
      json?: unknown;
      form?: string;
      headers?: Record<string, string>;
      jar?: CookieJar;
      /** POST from this loopback address (the client address the gateway sees). */
      from?: string;
    } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (options.jar) headers.cookie = options.jar.header();
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = options.form;
    }
    const url = route.startsWith('http') ? local(route) : `${base}${route}`;
    const res = options.from
      ? await postFrom(options.from, url, body ?? '', headers)
      : await fetch(url, { method, headers, body, redirect: 'manual' }).then(async (r) => ({
          status: r.status,
          headers: r.headers,
          text: await r.text(),
        }));
    options.jar?.store(res.headers);
    const text = res.text;
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // An HTML page: `text` has it.
    }
    return {
      status: res.status,
      headers: res.headers,
      text,
      body: parsed,
      location: res.headers.get('location') ?? undefined,
    };
  }

  /** The value of a hidden input of a page. */
  function hidden(page: string, name: string): string {
    const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(page);
    if (!match) throw new Error(`no hidden input ${name} in the page`);
    return match[1]!;
  }

  function authorizeUrl(params: Record<string, string>): string {
    return `/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile email',
      code_challenge: computeS256Challenge(DEFAULT_VERIFIER),
      code_challenge_method: 'S256',
      ...params,
    }).toString()}`;
  }

  function callbackParams(location: string | undefined): URLSearchParams {
    expect(location?.startsWith(`${REDIRECT_URI}?`)).toBe(true);
    return new URL(location!).searchParams;
  }

  function expectPageHeaders(answer: Answer): void {
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
    expect(answer.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(answer.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(answer.headers.get('x-frame-options')).toBe('DENY');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  }

  /** The hidden fields of the sign-in form of a new interaction, as a browser gets it. */
  async function loginForm(jar: CookieJar): Promise<{ interaction: string; csrf: string }> {
    const start = await call('GET', authorizeUrl({ scope: 'openid' }), { jar });
    const login = await call('GET', start.location!, { jar });
    expect(login.status).toBe(200);
    return { interaction: hidden(login.text, 'interaction'), csrf: hidden(login.text, 'csrf') };
  }

  async function signIn(jar: CookieJar, loginLocation: string | undefined): Promise<Answer> {
    expect(loginLocation).toMatch(new RegExp(`^${ISSUER}/login\\?interaction=`));
    const login = await call('GET', loginLocation!, { jar });
    expect(login.status).toBe(200);
    return call('POST', '/login', {
      jar,
      form: new URLSearchParams({
        interaction: hidden(login.text, 'interaction'),
        csrf: hidden(login.text, 'csrf'),
        username: 'alice',
        password: PASSWORD,
      }).toString(),
    });
  }

  describe('the full flow with PKCE', () => {
    const jar = new CookieJar();
    const verifier = randomToken();
    const state = 'state-123';
    const nonce = 'nonce-456';
    let code: string;

    it('sends a browser without a session to the login page (303)', async () => {
      const answer = await call(
        'GET',
        authorizeUrl({
          state,
          nonce,
          code_challenge: computeS256Challenge(verifier),
          code_challenge_method: 'S256',
          scope: 'openid profile email offline_access',
        }),
        { jar },
      );
      expect(answer.status).toBe(303);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.location).toMatch(new RegExp(`^${ISSUER}/login\\?interaction=[\\w-]+$`));
      expect(jar.names()).toEqual(['__Host-latchkey_browser']);

      const login = await call('GET', answer.location!, { jar });
      expect(login.status).toBe(200);
      expectPageHeaders(login);
      expect(login.headers.get('content-security-policy')).toContain(
        "form-action 'self' https://app.example.test",
      );
      expect(login.text).toMatch(/<input\s+type="text"\s+id="username"\s+name="username"/);
      expect(login.text).toMatch(/<input\s+type="password"\s+id="password"\s+name="password"/);
      // The client's name is shown, inert.
      expect(login.text).toContain('Demo &lt;script&gt;alert(1)&lt;/script&gt;');
      expect(login.text).not.toContain('<script>');

      const failed = await call('POST', '/login', {
        jar,
        form: new URLSearchParams({
          interaction: hidden(login.text, 'interaction'),
          csrf: hidden(login.text, 'csrf'),
          username: 'alice',
          password: 'wrong password',
        }).toString(),
      });
      expect(failed.status).toBe(400);
      expect(failed.text).toContain('The username or password is not correct.');

      const forged = await call('POST', '/login', {
        jar,
        form: new URLSearchParams({
          interaction: hidden(login.text, 'interaction'),
          csrf: 'not-the-token',
          username: 'alice',
          password: PASSWORD,
        }).toString(),
      });
      expect(forged.status).toBe(400);
      expectPageHeaders(forged);
      expect(forged.text).toContain('<code>invalid_request</code>');
      expect(jar.names()).not.toContain('__Host-latchkey_session');
    });

    it('signs in, asks for consent, and redirects back with code, state and iss', async () => {
      const start = await call(
        'GET',
        authorizeUrl({
          state,
          nonce,
          code_challenge: computeS256Challenge(verifier),
          code_challenge_method: 'S256',
          scope: 'openid profile email offline_access',
        }),
        { jar },
      );
      const loggedIn = await signIn(jar, start.location);
      expect(loggedIn.status).toBe(303);
      expect(jar.names()).toContain('__Host-latchkey_session');
      expect(loggedIn.location).toMatch(new RegExp(`^${ISSUER}/consent\\?interaction=`));

      const consent = await call('GET', loggedIn.location!, { jar });
      expect(consent.status).toBe(200);
      expectPageHeaders(consent);
      expect(consent.text).toContain('name="decision" value="allow"');
      expect(consent.text).toContain('name="decision" value="deny"');
      expect(consent.text).toMatch(/Signed in as\s+<strong>alice<\/strong>/);
      expect(consent.text).toContain('offline_access');

      const allowed = await call('POST', '/consent', {
        jar,
        form: new URLSearchParams({
          interaction: hidden(consent.text, 'interaction'),
          csrf: hidden(consent.text, 'csrf'),
          decision: 'allow',
        }).toString(),
      });
      expect(allowed.status).toBe(303);
      const params = callbackParams(allowed.location);
      expect(params.get('state')).toBe(state);
      expect(params.get('iss')).toBe(ISSUER);
      expect(params.get('code')).toMatch(/^[\w-]{20,}$/);
      code = params.get('code')!;

      // The interaction is finished: submitting it again changes nothing.
      const again = await call('POST', '/consent', {
        jar,
        form: new URLSearchParams({
          interaction: hidden(consent.text, 'interaction'),
          csrf: hidden(consent.text, 'csrf'),
          decision: 'allow',
        }).toString(),
      });
      expect(again.status).toBe(400);
    });

    it('redeems the code with the PKCE verifier and reads userinfo with the access token', async () => {
      const tokens = await call('POST', '/token', {
        form: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: REDIRECT_URI,
          client_id: clientId,
          code_verifier: verifier,
        }).toString(),
      });
      expect(tokens.status).toBe(200);
      expect(tokens.body).toMatchObject({ token_type: 'Bearer' });
      expect(tokens.body.id_token).toEqual(expect.any(String));
      const accessToken = tokens.body.access_token as string;

      const userinfo = await call('GET', '/userinfo', { token: accessToken });
      expect(userinfo.status).toBe(200);
      expect(userinfo.headers.get('cache-control')).toBe('no-store');
      expect(userinfo.body).toMatchObject({
        sub: userId,
        name: 'Alice Example',
        preferred_username: 'alice',
        email: 'alice@example.test',
        email_verified: true,
      });

      const posted = await call('POST', '/userinfo', {
        form: new URLSearchParams({ access_token: accessToken }).toString(),
      });
      expect(posted.status).toBe(200);
      expect(posted.body.sub).toBe(userId);
    });

    it('answers a known user and client from the session and remembered consent, without pages', async () => {
      const answer = await call('GET', authorizeUrl({ state: 'again' }), { jar });
      expect(answer.status).toBe(303);
      const params = callbackParams(answer.location);
      expect(params.get('code')).toEqual(expect.any(String));
      expect(params.get('state')).toBe('again');
      expect(params.get('iss')).toBe(ISSUER);
    });

    it('continues a form-posted request with the session once the browser comes back', async () => {
      const parked = await call('POST', '/authorize', {
        jar,
        form: new URLSearchParams({
          response_type: 'code',
          client_id: clientId,
          redirect_uri: REDIRECT_URI,
          scope: 'openid',
          state: 'posted',
          code_challenge: computeS256Challenge(DEFAULT_VERIFIER),
          code_challenge_method: 'S256',
        }).toString(),
      });
      expect(parked.status).toBe(303);
      expect(parked.location).toMatch(new RegExp(`^${ISSUER}/authorize/resume\\?interaction=`));
      const resumed = await call('GET', parked.location!, { jar });
      expect(resumed.status).toBe(303);
      expect(callbackParams(resumed.location).get('state')).toBe('posted');
    });

    it('with prompt=consent, asks again; deny redirects access_denied with state and iss', async () => {
      const start = await call('GET', authorizeUrl({ state: 's-deny', prompt: 'consent' }), {
        jar,
      });
      expect(start.location).toMatch(new RegExp(`^${ISSUER}/consent\\?interaction=`));
      const consent = await call('GET', start.location!, { jar });
      const denied = await call('POST', '/consent', {
        jar,
        form: new URLSearchParams({
          interaction: hidden(consent.text, 'interaction'),
          csrf: hidden(consent.text, 'csrf'),
          decision: 'deny',
        }).toString(),
      });
      expect(denied.status).toBe(303);
      const params = callbackParams(denied.location);
      expect(params.get('error')).toBe('access_denied');
      expect(params.get('state')).toBe('s-deny');
      expect(params.get('iss')).toBe(ISSUER);
      expect(params.get('code')).toBeNull();
    });
  });

  describe('audit trail', () => {
    it('records the login, consent and token events of the flow, with no secret in them', async () => {
      const wanted = ['login.succeeded', 'consent.granted', 'consent.denied', 'token.issued'];
      // Delivery from the outbox is asynchronous (at least once): wait for it.
      const found = new Map<string, Record<string, unknown>>();
      const deadline = Date.now() + 15_000;
      while (found.size < wanted.length && Date.now() < deadline) {
        for (const type of wanted.filter((t) => !found.has(t))) {
          const answer = await call('GET', `/admin/audit?type=${type}&sub=${userId}`, {
            token: adminToken,
          });
          expect(answer.status).toBe(200);
          const items = (answer.body as { items: Record<string, unknown>[] }).items;
          if (items.length > 0) found.set(type, items[0]!);
        }
        if (found.size < wanted.length) await new Promise((r) => setTimeout(r, 200));
      }
      expect([...found.keys()].sort()).toEqual([...wanted].sort());
      const issued = found.get('token.issued')!;
      expect(issued).toMatchObject({ source: `${ISSUER}/token`, issuer: ISSUER, subject: userId });
      expect((issued.data as Record<string, unknown>).client_id).toBe(clientId);
      const serialized = JSON.stringify([...found.values()]);
      expect(serialized).not.toMatch(/"(access_token|refresh_token|id_token|code|password)"/);
      const verify = await call('GET', '/admin/audit/verify', { token: adminToken });
      expect(verify.body).toMatchObject({ valid: true });
    });
  });

  describe('a user who is disabled', () => {
    it('loses their SSO sessions and their access tokens stop working at userinfo', async () => {
      const user = await call('POST', '/admin/users', {
        token: adminToken,
        json: { username: 'bob', password: PASSWORD },
      });
      expect(user.status).toBe(201);
      const jar = new CookieJar();
      const verifier = randomToken();
      const start = await call(
        'GET',
        authorizeUrl({ scope: 'openid', code_challenge: computeS256Challenge(verifier) }),
        { jar },
      );
      const login = await call('GET', start.location!, { jar });
      const loggedIn = await call('POST', '/login', {
        jar,
        form: new URLSearchParams({
          interaction: hidden(login.text, 'interaction'),
          csrf: hidden(login.text, 'csrf'),
          username: 'bob',
          password: PASSWORD,
        }).toString(),
      });
      const consent = await call('GET', loggedIn.location!, { jar });
      const allowed = await call('POST', '/consent', {
        jar,
        form: new URLSearchParams({
          interaction: hidden(consent.text, 'interaction'),
          csrf: hidden(consent.text, 'csrf'),
          decision: 'allow',
        }).toString(),
      });
      const tokens = await call('POST', '/token', {
        form: new URLSearchParams({
          grant_type: 'authorization_code',
          code: callbackParams(allowed.location).get('code')!,
          redirect_uri: REDIRECT_URI,
          client_id: clientId,
          code_verifier: verifier,
        }).toString(),
      });
      const accessToken = tokens.body.access_token as string;
      expect((await call('GET', '/userinfo', { token: accessToken })).status).toBe(200);

      const disabled = await call('PATCH', `/admin/users/${user.body.id as string}`, {
        token: adminToken,
        json: { disabled: true },
      });
      expect(disabled.status).toBe(200);

      const silent = await call('GET', authorizeUrl({ scope: 'openid', prompt: 'none' }), { jar });
      expect(callbackParams(silent.location).get('error')).toBe('login_required');
      const userinfo = await call('GET', '/userinfo', { token: accessToken });
      expect(userinfo.status).toBe(401);
      expect(userinfo.headers.get('www-authenticate')).toMatch(
        /^Bearer realm="https:\/\/id\.example\.test", error="invalid_token"/,
      );
    });
  });

  describe('concurrent sign-ins of one user', () => {
    it('32 at once: never a 500; every session started is listed and ended by the admin API', async () => {
      const user = await call('POST', '/admin/users', {
        token: adminToken,
        json: { username: 'many-devices', password: PASSWORD },
      });
      expect(user.status).toBe(201);
      const sub = user.body.id as string;
      const jars = Array.from({ length: 32 }, () => new CookieJar());
      const forms: { interaction: string; csrf: string }[] = [];
      for (const jar of jars) forms.push(await loginForm(jar));
      const answers = await Promise.all(
        jars.map((jar, i) =>
          call('POST', '/login', {
            jar,
            // Addresses of their own: 32 sign-ins at once would be over one address's limit.
            from: ownLoopbackAddress(),
            form: new URLSearchParams({
              ...forms[i]!,
              username: 'many-devices',
              password: PASSWORD,
            }).toString(),
          }),
        ),
      );
      // Each attempt holds one of the account's 5 attempts until its password is checked, so
      // some of 32 at once may be refused (429); none may fail, and each sign-in has a session.
      const statuses = answers.map((a) => a.status);
      expect(statuses.every((status) => status === 303 || status === 429)).toBe(true);
      const signedIn = jars.filter((_, i) => statuses[i] === 303);
      expect(signedIn.length).toBeGreaterThanOrEqual(5);
      for (const jar of signedIn) expect(jar.names()).toContain('__Host-latchkey_session');

      const listed = await call('GET', `/admin/users/${sub}/sessions`, { token: adminToken });
      expect(listed.status).toBe(200);
      expect(listed.body.items).toHaveLength(signedIn.length);
      const ended = await call('DELETE', `/admin/users/${sub}/sessions`, { token: adminToken });
      expect(ended.body).toEqual({ ended: signedIn.length });
      for (const jar of signedIn) {
        const silent = await call('GET', authorizeUrl({ scope: 'openid', prompt: 'none' }), {
          jar,
        });
        expect(callbackParams(silent.location).get('error')).toBe('login_required');
      }
    });
  });

  describe('errors', () => {
    it('prompt=none without a session redirects login_required with state and iss', async () => {
      const answer = await call('GET', authorizeUrl({ prompt: 'none', state: 'silent' }), {
        jar: new CookieJar(),
      });
      expect(answer.status).toBe(303);
      const params = callbackParams(answer.location);
      expect(params.get('error')).toBe('login_required');
      expect(params.get('state')).toBe('silent');
      expect(params.get('iss')).toBe(ISSUER);
    });

    it('shows an unknown client on the error page (400), never redirecting', async () => {
      const answer = await call('GET', authorizeUrl({ client_id: 'nobody', state: 'x' }));
      expect(answer.status).toBe(400);
      expect(answer.location).toBeUndefined();
      expectPageHeaders(answer);
      expect(answer.text).toContain('<code>invalid_request</code>');
    });

    it('shows an unregistered redirect_uri on the error page', async () => {
      const answer = await call(
        'GET',
        authorizeUrl({ redirect_uri: 'https://evil.example/callback' }),
      );
      expect(answer.status).toBe(400);
      expect(answer.location).toBeUndefined();
      expect(answer.text).toContain('<code>invalid_redirect_uri</code>');
    });

    it('redirects an unsupported response_type once the redirect URI is proven', async () => {
      const answer = await call('GET', authorizeUrl({ response_type: 'token', state: 'rt' }));
      const params = callbackParams(answer.location);
      expect(params.get('error')).toBe('unsupported_response_type');
      expect(params.get('state')).toBe('rt');
      expect(params.get('iss')).toBe(ISSUER);
    });

    it('redirects a public client without PKCE as invalid_request', async () => {
      const answer = await call(
        'GET',
        authorizeUrl({ state: 'pkce', code_challenge: '', code_challenge_method: '' }),
      );
      // The public client of this suite must use PKCE; a request without it goes back as an error.
      const params = callbackParams(answer.location);
      expect(params.get('error')).toBe('invalid_request');
      expect(params.get('error_description')).toMatch(/code_challenge/);
    });

    it('serves the stylesheet the pages link to', async () => {
      const page = await call('GET', authorizeUrl({ client_id: 'nobody' }));
      const href = /<link rel="stylesheet" href="([^"]+)"/.exec(page.text)![1]!;
      const css = await call('GET', href);
      expect(css.status).toBe(200);
      expect(css.headers.get('content-type')).toMatch(/^text\/css/);
      expect(css.text).toContain(':focus-visible');
    });
  });

  describe('discovery', () => {
    it('lists the authorization and userinfo endpoints', async () => {
      const { body } = await call('GET', '/.well-known/openid-configuration');
      expect(body).toMatchObject({
        authorization_endpoint: `${ISSUER}/authorize`,
        userinfo_endpoint: `${ISSUER}/userinfo`,
        scopes_supported: [
          'openid',
          'profile',
          'email',
          'address',
          'phone',
          'offline_access',
          'groups',
        ],
        code_challenge_methods_supported: ['S256'],
      });
    });
  });
});
