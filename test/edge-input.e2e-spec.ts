import { encodeSeqCursor } from '@latchkey/core';
import { randomToken } from '@latchkey/oauth';
import { callPlatform, type CallAnswer, type CallOptions } from './support/http-call';
import { parseFirstForm } from './support/html-form';
import { describeEachMode } from './support/platform';
import { freePort } from './support/processes';
import { CookieJar } from './support/user-agent';
import {
  authorizationParams,
  loopbackRedirectUri,
  PlatformAdmin,
  type TestClient,
} from './support/provisioning';

/**
 * Input no field can hold (a NUL byte, a lone surrogate, a cursor or date past what the database
 * stores, JSON nested past the limit) is refused at the edge with the endpoint's own error, in
 * both run modes (docs/architecture.md §3, Errors).
 */
jest.setTimeout(180_000);

const NUL = '\u0000';
/** JSON text whose string holds a lone high surrogate (JSON.stringify would escape it too). */
const LONE_SURROGATE_JSON = '"bad \\ud800 name"';
const BIGINT_OVERFLOW = '9999999999999999999';

/** JSON of `[[[...]]]` nested `depth` deep, as the value of `field` of an object. */
function nestedJson(field: string, depth: number): string {
  return `{"${field}":${'['.repeat(depth)}${']'.repeat(depth)}}`;
}

/** An unsigned JWT: enough for the claims to be read before the signature is checked. */
function unsignedJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.${Buffer.from('sig').toString('base64url')}`;
}

function basicRaw(id: string, secret: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` };
}

describeEachMode('input no field can hold', (platform) => {
  let adminToken: string;
  let app: TestClient;
  let userId: string;

  const call = (method: string, route: string, options: CallOptions = {}): Promise<CallAnswer> =>
    callPlatform(platform().issuer, method, route, options);
  const admin = (method: string, route: string, options: CallOptions = {}) =>
    call(method, route, { token: adminToken, ...options });

  /** An RFC 6749 §5.2 error JSON with this code and status. */
  function expectOAuthError(answer: CallAnswer, status: number, error: string): void {
    expect({ status: answer.status, error: answer.body.error }).toEqual({ status, error });
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(typeof answer.body.error_description).toBe('string');
    expect(answer.text).not.toMatch(/\bat \w|Error:|stack/);
  }

  /** The error page with this status and code. */
  function expectErrorPage(answer: CallAnswer, status: number, error: string): void {
    expect(answer.status).toBe(status);
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
    expect(answer.text).toContain(error);
  }

  function authorizeQuery(params: Record<string, string> = {}): string {
    return new URLSearchParams(authorizationParams(app, params)).toString();
  }

  beforeAll(async () => {
    const operator = await PlatformAdmin.connect(platform());
    const token = await call('POST', '/token', {
      basic: platform().adminClient,
      form: { grant_type: 'client_credentials' },
    });
    adminToken = token.body.access_token as string;
    app = await operator.createClient('client_secret_basic', {
      redirectUri: loopbackRedirectUri(await freePort()),
      name: 'Edge input app',
    });
    userId = (await operator.createUser(`edge-${randomToken().slice(0, 8).toLowerCase()}`)).id;
  });

  describe('a NUL byte in client_id', () => {
    it('GET /authorize: the error page', async () => {
      const answer = await call('GET', `/authorize?${authorizeQuery({ client_id: `a${NUL}b` })}`, {
        headers: { accept: 'text/html' },
      });
      expectErrorPage(answer, 400, 'invalid_request');
    });

    it('POST /authorize: the error page', async () => {
      const answer = await call('POST', '/authorize', {
        body: authorizeQuery({ client_id: `a${NUL}b` }),
        headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      });
      expectErrorPage(answer, 400, 'invalid_request');
    });

    it('/token, Basic credentials with a raw NUL: invalid_client', async () => {
      const answer = await call('POST', '/token', {
        headers: basicRaw(`a${NUL}b`, 'secret'),
        form: { grant_type: 'client_credentials' },
      });
      expectOAuthError(answer, 401, 'invalid_client');
      expect(answer.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    });

    it('/token, Basic credentials with %00: invalid_client', async () => {
      const answer = await call('POST', '/token', {
        headers: basicRaw('a%00b', 'secret'),
        form: { grant_type: 'client_credentials' },
      });
      expectOAuthError(answer, 401, 'invalid_client');
    });

    it('/token, in the form: invalid_request', async () => {
      const answer = await call('POST', '/token', {
        form: { grant_type: 'client_credentials', client_id: `a${NUL}b`, client_secret: 'x' },
      });
      expectOAuthError(answer, 400, 'invalid_request');
    });

    it.each(['iss', 'sub'])(
      '/token, in the %s of a client assertion: invalid_client',
      async (claim) => {
        const claims = { iss: app.client_id, sub: app.client_id, [claim]: `a${NUL}b` };
        const answer = await call('POST', '/token', {
          form: {
            grant_type: 'client_credentials',
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: unsignedJwt({
              ...claims,
              aud: `${platform().issuer}/token`,
              jti: randomToken(),
              exp: Math.floor(Date.now() / 1000) + 60,
            }),
          },
        });
        expectOAuthError(answer, 401, 'invalid_client');
      },
    );

    it.each(['/introspect', '/revoke'])('%s, in the form: invalid_request', async (route) => {
      const answer = await call('POST', route, {
        form: { token: 'x', client_id: `a${NUL}b`, client_secret: 'x' },
      });
      expectOAuthError(answer, 400, 'invalid_request');
    });

    it.each(['/introspect', '/revoke'])(
      '%s, in Basic credentials: invalid_client',
      async (route) => {
        const answer = await call('POST', route, {
          headers: basicRaw(`a${NUL}b`, 'secret'),
          form: { token: 'x' },
        });
        expectOAuthError(answer, 401, 'invalid_client');
      },
    );

    it('GET /logout: the error page', async () => {
      const answer = await call('GET', `/logout?client_id=a%00b`, {
        headers: { accept: 'text/html' },
      });
      expectErrorPage(answer, 400, 'invalid_request');
    });
  });

  it('a NUL byte in the username at POST /login: the error page', async () => {
    const jar = new CookieJar();
    const browse = async (url: string) => {
      const res = await fetch(new URL(url, platform().issuer), {
        headers: { accept: 'text/html', cookie: jar.header() },
        redirect: 'manual',
        signal: AbortSignal.timeout(15_000),
      });
      jar.store(res.headers);
      return res;
    };
    const start = await browse(`/authorize?${authorizeQuery()}`);
    expect(start.status).toBe(303);
    const loginUrl = new URL(start.headers.get('location')!, platform().issuer).toString();
    const form = parseFirstForm(await (await browse(loginUrl)).text(), loginUrl)!;
    const fields = new URLSearchParams();
    for (const field of form.fields) fields.append(field.name, field.value);
    fields.set('username', `a${NUL}b`);
    fields.set('password', 'whatever it is');
    const answer = await callPlatform(form.action, 'POST', '', {
      body: fields.toString(),
      headers: {
        accept: 'text/html',
        cookie: jar.header(),
        origin: new URL(platform().issuer).origin,
        'content-type': 'application/x-www-form-urlencoded',
      },
    });
    expectErrorPage(answer, 400, 'invalid_request');
  });

  describe('a NUL byte in a path id: 404', () => {
    it.each([
      ['GET', '/register/a%00b'],
      ['GET', '/admin/clients/a%00b'],
      ['POST', '/admin/clients/a%00b/secret'],
      ['GET', '/admin/resources/a%00b'],
      ['GET', '/admin/users/a%00b'],
      ['GET', '/admin/users/a%00b/grants'],
      ['GET', '/admin/users/a%00b/sessions'],
      ['GET', '/admin/users/a%00b/consents'],
    ])('%s %s', async (method, route) => {
      const answer = await admin(method, route);
      expectOAuthError(answer, 404, 'not_found');
    });
  });

  describe('a NUL byte in an admin filter: invalid_request', () => {
    it.each([
      '/admin/users?username=a%00b',
      '/admin/audit?subject=a%00b',
      '/admin/audit?client_id=a%00b',
      '/admin/audit?sub=a%00b',
    ])('GET %s', async (route) => {
      expectOAuthError(await admin('GET', route), 400, 'invalid_request');
    });
  });

  describe('a lone surrogate in client metadata: invalid_request', () => {
    const metadata = (field: string) =>
      `{"redirect_uris":["https://app.example.test/cb"],${field}}`;

    it.each([
      ['client_name', `"client_name":${LONE_SURROGATE_JSON}`],
      ['a jwks member', `"jwks":{"keys":[{"kty":"RSA","kid":${LONE_SURROGATE_JSON}}]}`],
    ])('POST /admin/clients, %s', async (_what, field) => {
      const answer = await admin('POST', '/admin/clients', {
        body: metadata(field),
        headers: { 'content-type': 'application/json' },
      });
      expectOAuthError(answer, 400, 'invalid_request');
    });

    it('POST /register, client_name', async () => {
      const iat = await admin('POST', '/admin/initial-access-tokens', { json: { max_uses: 1 } });
      expect(iat.status).toBe(201);
      const answer = await call('POST', '/register', {
        token: iat.body.initial_access_token as string,
        body: metadata(`"client_name":${LONE_SURROGATE_JSON}`),
        headers: { 'content-type': 'application/json' },
      });
      expectOAuthError(answer, 400, 'invalid_request');
    });

    it('POST /admin/users, an email', async () => {
      const answer = await admin('POST', '/admin/users', {
        body: `{"username":"surrogate-${randomToken().slice(0, 6)}","password":"long enough password","email":"a\\udc00@example.test"}`,
        headers: { 'content-type': 'application/json' },
      });
      expectOAuthError(answer, 400, 'invalid_request');
    });
  });

  describe('numbers and dates the database cannot hold: invalid_request', () => {
    it.each(['/admin/users', '/admin/clients', '/admin/resources'])(
      'a 19-digit cursor at %s',
      async (route) => {
        const cursor = encodeSeqCursor(BIGINT_OVERFLOW);
        expectOAuthError(await admin('GET', `${route}?cursor=${cursor}`), 400, 'invalid_request');
      },
    );

    it('a 19-digit cursor at /admin/audit', async () => {
      const cursor = encodeSeqCursor(BIGINT_OVERFLOW, 'before');
      expectOAuthError(await admin('GET', `/admin/audit?cursor=${cursor}`), 400, 'invalid_request');
    });

    it('since=0000-01-01 at /admin/audit', async () => {
      expectOAuthError(await admin('GET', '/admin/audit?since=0000-01-01'), 400, 'invalid_request');
    });
  });

  describe('JSON nested too deep: invalid_request', () => {
    it('3,000 deep at POST /admin/users', async () => {
      const answer = await admin('POST', '/admin/users', {
        body: nestedJson('name', 3_000),
        headers: { 'content-type': 'application/json' },
      });
      expectOAuthError(answer, 400, 'invalid_request');
    });

    it.each([
      ['POST', '/admin/clients'],
      ['PATCH', '/admin/users/:user'],
      ['POST', '/admin/resources'],
    ])('5,000 deep at %s %s', async (method, route) => {
      const answer = await admin(method, route.replace(':user', userId), {
        body: nestedJson('name', 5_000),
        headers: { 'content-type': 'application/json' },
      });
      expectOAuthError(answer, 400, 'invalid_request');
    });

    it('5,000 deep at PATCH /admin/clients/:id as a merge patch', async () => {
      const answer = await admin('PATCH', `/admin/clients/${app.client_id}`, {
        body: nestedJson('client_name', 5_000),
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      expectOAuthError(answer, 400, 'invalid_request');
    });
  });
});
