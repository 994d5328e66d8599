import { randomToken } from '@latchkey/oauth';
import { decodeJwt } from 'jose';
import {
  callPlatform,
  type CallAnswer,
  type CallOptions,
  ownLoopbackAddress,
  postFrom,
  type Posted,
} from './support/http-call';
import { CookieJar } from './support/user-agent';
import { parseFirstForm } from './support/html-form';
import { describeEachMode } from './support/platform';
import { freePort } from './support/processes';
import {
  authorizationParams,
  loopbackRedirectUri,
  PlatformAdmin,
  type TestClient,
} from './support/provisioning';

/**
 * What an attacker on the network can send the edge, in both run modes: forwarded headers that
 * must not choose the client address or the issuer, bodies with a malformed Content-Type, and
 * input that must never come back in an error (docs/architecture.md §3, §4).
 */
jest.setTimeout(180_000);

/** A value no response may repeat: it appears in a parameter, a path or a header of each probe. */
const MARKER = 'zq7echoprobe';

describeEachMode('the edge under attack', (platform) => {
  let admin: { id: string; secret: string };
  let adminToken: string;
  let app: TestClient;

  const call = (method: string, route: string, options: CallOptions = {}): Promise<CallAnswer> =>
    callPlatform(platform().issuer, method, route, options);

  /** A page GET as a browser with this cookie jar makes it, redirects not followed. */
  async function browse(jar: CookieJar, url: string): Promise<Response> {
    const res = await fetch(new URL(url, platform().issuer), {
      headers: { accept: 'text/html', cookie: jar.header() },
      redirect: 'manual',
      signal: AbortSignal.timeout(15_000),
    });
    jar.store(res.headers);
    return res;
  }

  function authorizePath(params: Record<string, string> = {}): string {
    return `/authorize?${new URLSearchParams(authorizationParams(app, params)).toString()}`;
  }

  beforeAll(async () => {
    admin = platform().adminClient;
    const operator = await PlatformAdmin.connect(platform());
    const token = await call('POST', '/token', {
      basic: admin,
      form: { grant_type: 'client_credentials' },
    });
    expect(token.status).toBe(200);
    adminToken = token.body.access_token as string;
    app = await operator.createClient('client_secret_basic', {
      redirectUri: loopbackRedirectUri(await freePort()),
      name: 'Edge test app',
    });
  });

  describe('X-Forwarded-For from a peer that is no configured proxy', () => {
    it('does not choose the client address: spraying logins from one address meets its limit', async () => {
      const jar = new CookieJar();
      const base = platform().issuer;
      const get = (url: string) => browse(jar, url);
      const start = await get(authorizePath());
      expect(start.status).toBe(303);
      const loginUrl = new URL(start.headers.get('location')!, base).toString();
      let page = await (await get(loginUrl)).text();
      let pageUrl = loginUrl;
      // The per-address limit is 20 failures in 15 minutes (docs/architecture.md §3); each attempt
      // names another account and claims another address, as an attacker would. The attempts
      // come from a loopback address of their own, so that no other test shares the counter.
      const from = ownLoopbackAddress();
      const statuses: number[] = [];
      let refused: Posted | undefined;
      for (let attempt = 1; attempt <= 25 && !refused; attempt++) {
        const form = parseFirstForm(page, pageUrl);
        expect(form?.fields.map((f) => f.name)).toEqual(
          expect.arrayContaining(['username', 'password']),
        );
        const body = new URLSearchParams();
        for (const field of form!.fields) body.append(field.name, field.value);
        body.set('username', `nobody-${attempt}-${randomToken().slice(0, 6)}`);
        body.set('password', 'wrong password, certainly');
        const res = await postFrom(from, form!.action, body.toString(), {
          accept: 'text/html',
          cookie: jar.header(),
          origin: new URL(base).origin,
          'content-type': 'application/x-www-form-urlencoded',
          'x-forwarded-for': `203.0.113.${attempt}`,
        });
        jar.store(res.headers);
        statuses.push(res.status);
        if (res.status === 429) refused = res;
        else {
          page = res.text;
          pageUrl = form!.action;
        }
      }
      expect(statuses).toEqual([...Array<number>(20).fill(400), 429]);
      expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused!.headers.get('content-type')).toMatch(/^text\/html/);
      expect(refused!.text).toContain('temporarily_unavailable');
    });
  });

  describe('parallel guesses at one account', () => {
    it('of 50 wrong passwords at once at most 5 are checked; then the right one is refused (429)', async () => {
      const operator = await PlatformAdmin.connect(platform());
      const target = await operator.createUser(
        `lockout-${randomToken().slice(0, 8).toLowerCase()}`,
      );
      const base = platform().issuer;
      /** The sign-in form of a new interaction in a browser of its own. */
      const loginForm = async () => {
        const jar = new CookieJar();
        const get = (url: string) => browse(jar, url);
        const start = await get(authorizePath());
        const loginUrl = new URL(start.headers.get('location')!, base).toString();
        const form = parseFirstForm(await (await get(loginUrl)).text(), loginUrl)!;
        const fields = new URLSearchParams();
        for (const field of form.fields) fields.append(field.name, field.value);
        fields.set('username', target.username);
        return { jar, action: form.action, fields };
      };
      const post = (
        from: string,
        form: Awaited<ReturnType<typeof loginForm>>,
        password: string,
      ) => {
        form.fields.set('password', password);
        return postFrom(from, form.action, form.fields.toString(), {
          accept: 'text/html',
          cookie: form.jar.header(),
          origin: new URL(base).origin,
          'content-type': 'application/x-www-form-urlencoded',
        });
      };
      const forms = [];
      for (let i = 0; i < 50; i++) forms.push(await loginForm());

      // From one address of their own: the per-address limit (20) is above the account's (5).
      const sprayer = ownLoopbackAddress();
      const answers = await Promise.all(forms.map((form, i) => post(sprayer, form, `guess ${i}`)));
      const statuses = answers.map((a) => a.status);
      const checked = statuses.filter((status) => status !== 429);
      expect(checked.length).toBeGreaterThan(0);
      expect(checked.length).toBeLessThanOrEqual(5);
      expect(checked.every((status) => status === 400)).toBe(true);
      for (const refused of answers.filter((a) => a.status === 429)) {
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(refused.headers.get('content-type')).toMatch(/^text\/html/);
      }

      // The right password, from an address with no attempts: the account itself is locked.
      const locked = await post(ownLoopbackAddress(), await loginForm(), target.password);
      expect(locked.status).toBe(429);
      expect(locked.headers.getSetCookie().join(';')).not.toContain('latchkey_session=');
    });
  });

  describe('a malformed Content-Type or Content-Encoding at the OAuth endpoints', () => {
    const bodies: [string, Record<string, string>][] = [
      [
        'an unsupported charset',
        { 'content-type': 'application/x-www-form-urlencoded; charset=x' },
      ],
      ['a UTF-16 charset', { 'content-type': 'application/x-www-form-urlencoded; charset=utf-16' }],
      [
        'an unknown Content-Encoding',
        { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'x-zip' },
      ],
    ];
    /** Not a form at all: the endpoints that take only forms refuse it as well. */
    const notForms: [string, Record<string, string>][] = [
      [
        'a list of media types',
        { 'content-type': 'application/x-www-form-urlencoded, text/plain' },
      ],
      ['no media type at all', { 'content-type': ';' }],
    ];
    const routes = ['/token', '/revoke', '/introspect', '/userinfo', '/register'];
    describe.each(routes)('%s', (route) => {
      const cases = ['/userinfo', '/register'].includes(route) ? bodies : [...bodies, ...notForms];
      it.each(cases)('answers %s with 400 invalid_request JSON', async (_what, headers) => {
        const answer = await call('POST', route, {
          basic: admin,
          headers,
          body: 'grant_type=client_credentials&token=x',
        });
        expect(answer.status).toBe(400);
        expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
        expect(answer.body).toMatchObject({ error: 'invalid_request' });
      });
    });
  });

  describe('input never comes back in an error', () => {
    /** Error responses whose body (or error_description in the redirect) must not hold MARKER. */
    const probes: [string, () => Promise<CallAnswer>][] = [
      ['an unknown route', () => call('GET', `/${MARKER}/x?${MARKER}=<b>${MARKER}</b>`)],
      ['an unknown admin route', () => call('GET', `/admin/${MARKER}`, { token: adminToken })],
      [
        'an unknown grant type',
        () => call('POST', '/token', { basic: admin, form: { grant_type: MARKER } }),
      ],
      [
        'a scope the client is not registered for',
        () =>
          call('POST', '/token', {
            basic: admin,
            form: { grant_type: 'client_credentials', scope: `admin ${MARKER}` },
          }),
      ],
      [
        'an unknown resource',
        () =>
          call('POST', '/token', {
            basic: admin,
            form: { grant_type: 'client_credentials', resource: `https://${MARKER}.example/` },
          }),
      ],
      [
        'an unknown client',
        () =>
          call('POST', '/token', {
            form: { grant_type: 'client_credentials', client_id: MARKER, client_secret: MARKER },
          }),
      ],
      [
        'an unknown code',
        () =>
          call('POST', '/token', {
            basic: { id: app.client_id, secret: app.client_secret! },
            form: {
              grant_type: 'authorization_code',
              code: MARKER,
              redirect_uri: app.redirect_uri,
              code_verifier: `${MARKER}${'v'.repeat(43)}`,
            },
          }),
      ],
      [
        'a revocation without a token',
        () => call('POST', '/revoke', { basic: admin, form: { token_type_hint: MARKER } }),
      ],
      [
        'an introspection with a repeated token',
        () =>
          call('POST', '/introspect', {
            basic: admin,
            body: `token=${MARKER}&token=${MARKER}`,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          }),
      ],
      ['a bad bearer token', () => call('GET', '/userinfo', { token: MARKER })],
      [
        'an unknown client id',
        () => call('GET', `/admin/clients/${MARKER}`, { token: adminToken }),
      ],
      [
        'an unknown resource identifier',
        () =>
          call('GET', `/admin/resources/${encodeURIComponent(`https://${MARKER}.example`)}`, {
            token: adminToken,
          }),
      ],
      [
        'a bad redirect URI in client metadata',
        () =>
          call('POST', '/admin/clients', {
            token: adminToken,
            json: { client_name: 'x', redirect_uris: [`${MARKER}:/cb`] },
          }),
      ],
      [
        'a repeated scope of a resource',
        () =>
          call('POST', '/admin/resources', {
            token: adminToken,
            json: {
              identifier: `https://${MARKER}.example`,
              name: 'x',
              scopes: [`${MARKER}:read`, `${MARKER}:read`],
            },
          }),
      ],
      [
        'a bad audit filter',
        () => call('GET', `/admin/audit?since=${MARKER}`, { token: adminToken }),
      ],
      ['an unknown client at /authorize', () => call('GET', authorizePath({ client_id: MARKER }))],
      [
        'an unregistered redirect_uri at /authorize',
        () => call('GET', authorizePath({ redirect_uri: `https://${MARKER}.example/cb` })),
      ],
      [
        'an unknown scope at /authorize',
        () => call('GET', authorizePath({ scope: `openid ${MARKER}` })),
      ],
      [
        'an unknown response type at /authorize',
        () => call('GET', authorizePath({ response_type: MARKER })),
      ],
    ];

    it.each(probes)('%s', async (_what, probe) => {
      const answer = await probe();
      expect(answer.status).toBeGreaterThanOrEqual(300);
      expect(answer.status).toBeLessThan(500);
      expect(answer.text).not.toContain(MARKER);
      const location = answer.headers.get('location');
      if (location) {
        const description = new URL(location).searchParams.get('error_description') ?? '';
        expect(description).not.toContain(MARKER);
      }
      expect(answer.headers.get('www-authenticate') ?? '').not.toContain(MARKER);
    });
  });

  describe('the issuer never comes from a request header', () => {
    const forged = {
      host: 'evil.example',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'https',
      forwarded: 'host=evil.example;proto=https',
    };

    it('in discovery', async () => {
      const answer = await call('GET', '/.well-known/openid-configuration', { headers: forged });
      expect(answer.status).toBe(200);
      expect(answer.body.issuer).toBe(platform().issuer);
      expect(answer.text).not.toContain('evil.example');
    });

    it('in the iss of an access token', async () => {
      const answer = await call('POST', '/token', {
        basic: admin,
        form: { grant_type: 'client_credentials' },
        headers: forged,
      });
      expect(answer.status).toBe(200);
      expect(decodeJwt(answer.body.access_token as string).iss).toBe(platform().issuer);
    });

    it('in the iss of an authorization response (RFC 9207)', async () => {
      const answer = await call('GET', authorizePath({ prompt: 'none' }), { headers: forged });
      expect(answer.status).toBe(303);
      const location = new URL(answer.headers.get('location')!);
      expect(location.origin + location.pathname).toBe(app.redirect_uri);
      expect(location.searchParams.get('error')).toBe('login_required');
      expect(location.searchParams.get('iss')).toBe(platform().issuer);
    });
  });
});
