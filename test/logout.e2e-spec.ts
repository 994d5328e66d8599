import { computeS256Challenge, randomToken } from '@latchkey/oauth';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeEachMode, type Platform } from './support/platform';
import { PlatformAdmin, type TestUser } from './support/provisioning';
import { HeadlessUserAgent } from './support/user-agent';

/**
 * OIDC RP-Initiated Logout 1.0 and Back-Channel Logout 1.0 over real HTTP against the whole
 * platform, in both run modes: a user signs in through the real pages, the relying party logs them
 * out with its id_token as hint (straight back to its post_logout_redirect_uri with state) or
 * without (the user confirms on a CSRF-protected page), the session is gone for every client
 * (prompt=none answers login_required), and the relying party's back-channel endpoint on
 * loopback receives a logout token that verifies against the published JWKS.
 */
const REDIRECT_URI = 'https://rp.example.test/callback';
const SIGNED_OUT = 'https://rp.example.test/signed-out';
const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  location?: string;
}

interface Tokens {
  id_token: string;
  access_token: string;
  refresh_token?: string;
}

/** The relying party's back-channel endpoint: records each POST, answers 200. */
async function startBackchannelReceiver() {
  const received: { contentType?: string; body: URLSearchParams }[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ contentType: req.headers['content-type'], body: new URLSearchParams(body) });
      res.writeHead(200, { 'cache-control': 'no-store' }).end();
      for (const w of waiters.filter((w) => received.length >= w.count)) w.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    uri: `http://127.0.0.1:${port}/backchannel-logout`,
    received,
    /** Resolves once `count` logout tokens have arrived in all. */
    arrived(count: number): Promise<void> {
      if (received.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

jest.setTimeout(120_000);

describeEachMode(
  'logout: RP-initiated and back-channel',
  (running) => {
    let platform: Platform;
    let issuer: string;
    let adminToken: string;
    let alice: TestUser;
    let clientId: string;
    let receiver: Awaited<ReturnType<typeof startBackchannelReceiver>>;

    beforeAll(async () => {
      platform = running();
      issuer = platform.issuer;
      receiver = await startBackchannelReceiver();
      const admin = await PlatformAdmin.connect(platform);
      alice = await admin.createUser('alice');
      adminToken = await clientCredentialsToken(platform);
      const client = await call('POST', '/admin/clients', {
        bearer: adminToken,
        json: {
          client_name: 'Logout RP',
          redirect_uris: [REDIRECT_URI],
          post_logout_redirect_uris: [SIGNED_OUT],
          backchannel_logout_uri: receiver.uri,
          grant_types: ['authorization_code', 'refresh_token'],
          token_endpoint_auth_method: 'none',
          scope: 'openid profile',
          skip_consent: true,
        },
      });
      expect(client.status).toBe(201);
      clientId = (JSON.parse(client.text) as { client_id: string }).client_id;
    });

    afterAll(async () => {
      await receiver?.close();
    });

    async function call(
      method: string,
      route: string,
      options: {
        bearer?: string;
        json?: unknown;
        form?: Record<string, string>;
        agent?: HeadlessUserAgent;
        headers?: Record<string, string>;
      } = {},
    ): Promise<Answer> {
      const headers: Record<string, string> = { ...options.headers };
      if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
      if (options.agent) headers.cookie = options.agent.cookies.header();
      let body: string | undefined;
      if (options.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(options.json);
      } else if (options.form) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = new URLSearchParams(options.form).toString();
      }
      const url = route.startsWith('http') ? route : `${issuer}${route}`;
      const res = await fetch(url, { method, headers, body, redirect: 'manual' });
      options.agent?.cookies.store(res.headers);
      return {
        status: res.status,
        headers: res.headers,
        text: await res.text(),
        location: res.headers.get('location') ?? undefined,
      };
    }

    async function clientCredentialsToken(p: Platform): Promise<string> {
      const basic = Buffer.from(`${p.adminClient.id}:${p.adminClient.secret}`).toString('base64');
      const res = await fetch(`${p.issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { access_token: string }).access_token;
    }

    function authorizeUrl(verifier: string, extra: Record<string, string> = {}): string {
      return `${issuer}/authorize?${new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: REDIRECT_URI,
        scope: 'openid profile',
        code_challenge: computeS256Challenge(verifier),
        code_challenge_method: 'S256',
        state: randomToken(16),
        nonce: randomToken(16),
        ...extra,
      }).toString()}`;
    }

    /** The whole sign-in: the pages, then the code at /token. */
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
      return JSON.parse(token.text) as Tokens;
    }

    /** prompt=none: a code while the session lives, login_required once it has ended. */
    async function silentAuthorization(agent: HeadlessUserAgent): Promise<URLSearchParams> {
      const callback = await agent.authorize(authorizeUrl(randomToken(), { prompt: 'none' }), {
        redirectUri: REDIRECT_URI,
      });
      return callback.searchParams;
    }

    function expectPageHeaders(answer: Answer): void {
      expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = answer.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(answer.headers.get('x-frame-options')).toBe('DENY');
      expect(answer.headers.get('cache-control')).toBe('no-store');
    }

    function hidden(page: string, name: string): string {
      const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(page);
      if (!match) throw new Error(`no hidden input ${name} in the page`);
      return match[1]!;
    }

    /** The logout token the relying party received, verified as OIDC Back-Channel Logout §2.6 says. */
    async function verifyLogoutToken(index: number) {
      await receiver.arrived(index + 1);
      const { contentType, body } = receiver.received[index]!;
      expect(contentType).toBe('application/x-www-form-urlencoded');
      expect([...body.keys()]).toEqual(['logout_token']);
      const token = body.get('logout_token')!;
      const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
      const { payload, protectedHeader } = await jwtVerify(token, jwks, {
        issuer,
        audience: clientId,
        typ: 'logout+jwt',
        requiredClaims: ['iat', 'jti', 'events'],
      });
      expect(protectedHeader.typ).toBe('logout+jwt');
      expect(payload.events).toEqual({ [BACKCHANNEL_EVENT]: {} });
      expect(payload).not.toHaveProperty('nonce');
      return payload;
    }

    describe('with the id_token as hint', () => {
      const agent = () => new HeadlessUserAgent(alice);
      let browser: HeadlessUserAgent;
      let tokens: Tokens;

      beforeAll(async () => {
        browser = agent();
        tokens = await signIn(browser);
        expect((await silentAuthorization(browser)).get('code')).toEqual(expect.any(String));
      });

      it('ends the session at once and sends the browser to the registered URI with state', async () => {
        const answer = await call(
          'GET',
          `/logout?${new URLSearchParams({
            id_token_hint: tokens.id_token,
            post_logout_redirect_uri: SIGNED_OUT,
            state: 'after logout',
            ui_locales: 'de',
          }).toString()}`,
          { agent: browser },
        );
        expect(answer.status).toBe(303);
        expect(answer.location).toBe(`${SIGNED_OUT}?state=after+logout`);
        expect(answer.headers.get('cache-control')).toBe('no-store');
        expect(browser.cookies.names()).not.toContain('latchkey_session');
      });

      it('the session has ended everywhere: prompt=none answers login_required', async () => {
        const params = await silentAuthorization(browser);
        expect(params.get('error')).toBe('login_required');
        expect(params.get('code')).toBeNull();
      });

      it("tells the relying party's back-channel endpoint with a logout token it can verify", async () => {
        const idToken = decodeJwt(tokens.id_token);
        const payload = await verifyLogoutToken(0);
        expect(payload.sub).toBe(alice.id);
        expect(payload.sid).toBe(idToken.sid);
        expect(payload.sid).toEqual(expect.any(String));
      });

      it('a second logout with the same hint finds no session and just redirects', async () => {
        const answer = await call(
          'GET',
          `/logout?${new URLSearchParams({
            id_token_hint: tokens.id_token,
            post_logout_redirect_uri: SIGNED_OUT,
          }).toString()}`,
          { agent: browser },
        );
        expect(answer.status).toBe(303);
        expect(answer.location).toBe(SIGNED_OUT);
      });
    });

    describe('without a hint: the user confirms', () => {
      let browser: HeadlessUserAgent;
      let tokens: Tokens;
      let page: Answer;

      beforeAll(async () => {
        browser = new HeadlessUserAgent(alice);
        tokens = await signIn(browser);
      });

      it('shows a confirmation page and keeps the session until it is submitted', async () => {
        page = await call(
          'GET',
          `/logout?${new URLSearchParams({
            client_id: clientId,
            post_logout_redirect_uri: SIGNED_OUT,
            state: 's-2',
          }).toString()}`,
          { agent: browser },
        );
        expect(page.status).toBe(200);
        expectPageHeaders(page);
        expect(page.headers.get('content-security-policy')).toContain(
          "form-action 'self' https://rp.example.test",
        );
        expect(page.text).toContain('Sign out of Latchkey?');
        expect(page.text).toMatch(
          new RegExp(`<form method="post" action="${issuer}/logout/confirm">`),
        );
        expect((await silentAuthorization(browser)).get('code')).toEqual(expect.any(String));
      });

      it('refuses the form without the right CSRF token or from another site, ending nothing', async () => {
        const logout = hidden(page.text, 'logout');
        for (const [form, origin] of [
          [{ logout, csrf: 'forged' }, issuer],
          [{ logout }, issuer],
          [{ logout, csrf: hidden(page.text, 'csrf') }, 'https://evil.example'],
        ] as const) {
          const answer = await call('POST', '/logout/confirm', {
            agent: browser,
            form,
            headers: { origin },
          });
          expect(answer.status).toBe(400);
          expectPageHeaders(answer);
          expect(answer.text).toContain('invalid_request');
          expect(answer.location).toBeUndefined();
        }
        expect((await silentAuthorization(browser)).get('code')).toEqual(expect.any(String));
      });

      it('ends the session when the genuine form is submitted, then redirects with state', async () => {
        const received = receiver.received.length;
        const answer = await call('POST', '/logout/confirm', {
          agent: browser,
          form: { logout: hidden(page.text, 'logout'), csrf: hidden(page.text, 'csrf') },
          headers: { origin: issuer },
        });
        expect(answer.status).toBe(303);
        expect(answer.location).toBe(`${SIGNED_OUT}?state=s-2`);
        expect((await silentAuthorization(browser)).get('error')).toBe('login_required');
        const payload = await verifyLogoutToken(received);
        expect(payload.sid).toBe(decodeJwt(tokens.id_token).sid);
      });
    });

    it("accepts a relying party's form POST: continued as a same-site GET with the cookies", async () => {
      const browser = new HeadlessUserAgent(alice);
      const tokens = await signIn(browser);
      // A cross-site form post carries no SameSite=Lax cookie.
      const posted = await call('POST', '/logout', {
        form: { id_token_hint: tokens.id_token, post_logout_redirect_uri: SIGNED_OUT, state: 'p' },
      });
      expect(posted.status).toBe(303);
      expect(posted.location?.startsWith(`${issuer}/logout?`)).toBe(true);
      const answer = await call('GET', posted.location!, { agent: browser });
      expect(answer.status).toBe(303);
      expect(answer.location).toBe(`${SIGNED_OUT}?state=p`);
      expect((await silentAuthorization(browser)).get('error')).toBe('login_required');
    });

    it('shows a signed-out page when the client asked for no redirect', async () => {
      const browser = new HeadlessUserAgent(alice);
      const tokens = await signIn(browser);
      const answer = await call('GET', `/logout?id_token_hint=${tokens.id_token}`, {
        agent: browser,
      });
      expect(answer.status).toBe(200);
      expectPageHeaders(answer);
      expect(answer.text).toContain('You are signed out');
    });

    it.each<[string, (t: Tokens) => Record<string, string>, string]>([
      [
        'an unregistered post_logout_redirect_uri',
        (t) => ({ id_token_hint: t.id_token, post_logout_redirect_uri: 'https://evil.example/' }),
        'registered post_logout_redirect_uris',
      ],
      [
        'a client_id other than the hint audience',
        (t) => ({ id_token_hint: t.id_token, client_id: 'another-client' }),
        'is not the client the id_token_hint was issued to',
      ],
      [
        'a post_logout_redirect_uri without a client',
        () => ({ post_logout_redirect_uri: SIGNED_OUT }),
        'needs id_token_hint or client_id',
      ],
      [
        'a tampered hint',
        (t) => ({ id_token_hint: `${t.id_token.slice(0, -4)}AAAA` }),
        'is not valid',
      ],
    ])('shows %s on the error page, never redirects, ends nothing', async (_what, params, says) => {
      const browser = new HeadlessUserAgent(alice);
      const tokens = await signIn(browser);
      const answer = await call(
        'GET',
        `/logout?${new URLSearchParams(params(tokens)).toString()}`,
        {
          agent: browser,
        },
      );
      expect(answer.status).toBe(400);
      expect(answer.location).toBeUndefined();
      expectPageHeaders(answer);
      expect(answer.text).toContain('invalid_request');
      expect(answer.text).toContain(says);
      expect((await silentAuthorization(browser)).get('code')).toEqual(expect.any(String));
    });

    it('answers other methods with 405', async () => {
      const answer = await call('PUT', '/logout');
      expect(answer.status).toBe(405);
      expect(answer.headers.get('allow')).toBe('GET, POST');
    });
  },
  // The receiver is on loopback, which the server only calls when the operator allows it.
  { OUTBOUND_ALLOWED_CIDRS: '127.0.0.0/8' },
);
