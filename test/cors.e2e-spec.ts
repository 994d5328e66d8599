import { computeS256Challenge, randomToken } from '@latchkey/oauth';
import { callPlatform, type CallAnswer, type CallOptions } from './support/http-call';
import { describeEachMode } from './support/platform';
import { freePort } from './support/processes';
import { loopbackRedirectUri, PlatformAdmin, type TestClient } from './support/provisioning';
import { HeadlessUserAgent } from './support/user-agent';

/**
 * CORS for browser apps (docs/architecture.md §3) against the whole platform, in both run modes:
 * discovery and the key set for any origin; token, revocation and userinfo only for the origins
 * of the client a request is made for; never credentials. In distributed mode the token
 * service's own port (an ingress routes the token paths to it, §2.7) answers alike.
 */
jest.setTimeout(180_000);

/** An origin client A lists in allowed_cors_origins (no redirect URI of anyone's is on it). */
const SPA_ORIGIN = 'https://spa.example.test';
const STRANGER = 'https://evil.example.test';

describeEachMode('CORS for browser apps', (platform) => {
  let clientA: TestClient;
  let clientB: TestClient;
  /** The origin of client A's redirect URI. */
  let originA: string;
  let agent: HeadlessUserAgent;
  let adminToken: string;
  const answers: CallAnswer[] = [];

  /** Every answer is kept, to check at the end that none ever allowed credentials. */
  async function call(
    base: string,
    method: string,
    route: string,
    options: CallOptions = {},
  ): Promise<CallAnswer> {
    const answer = await callPlatform(base, method, route, options);
    answers.push(answer);
    return answer;
  }

  const preflight = (base: string, route: string, origin: string, method = 'POST') =>
    call(base, 'OPTIONS', route, {
      headers: {
        origin,
        'access-control-request-method': method,
        'access-control-request-headers': 'authorization, content-type',
      },
    });

  /** The places `/token` and `/revoke` are served: the issuer, and the token service's port. */
  const tokenBases = () => [...new Set([platform().issuer, platform().tokenOrigin])];

  const credentials = (client: TestClient) => ({
    id: client.client_id,
    secret: client.client_secret!,
  });

  beforeAll(async () => {
    const admin = await PlatformAdmin.connect(platform());
    const user = await admin.createUser('cora');
    agent = new HeadlessUserAgent({ username: user.username, password: user.password });
    clientA = await admin.createClient('client_secret_basic', {
      redirectUri: loopbackRedirectUri(await freePort()),
      name: 'Browser app A',
      skipConsent: true,
      corsOrigins: [SPA_ORIGIN],
    });
    originA = new URL(clientA.redirect_uri).origin;
    clientB = await admin.createClient('client_secret_basic', {
      redirectUri: loopbackRedirectUri(await freePort()),
      name: 'Browser app B',
      skipConsent: true,
    });
    const token = await callPlatform(platform().issuer, 'POST', '/token', {
      basic: platform().adminClient,
      form: { grant_type: 'client_credentials' },
    });
    adminToken = token.body.access_token as string;
  });

  /** Client A's tokens for the user, redeemed at `base` from `origin`. */
  async function signIn(base: string, origin: string): Promise<CallAnswer> {
    const verifier = randomToken();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: clientA.client_id,
      redirect_uri: clientA.redirect_uri,
      scope: 'openid profile offline_access',
      code_challenge: computeS256Challenge(verifier),
      code_challenge_method: 'S256',
      state: randomToken(16),
    });
    const callback = await agent.authorize(`${platform().issuer}/authorize?${query.toString()}`, {
      redirectUri: clientA.redirect_uri,
    });
    return call(base, 'POST', '/token', {
      basic: credentials(clientA),
      headers: { origin },
      form: {
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code') ?? '',
        redirect_uri: clientA.redirect_uri,
        code_verifier: verifier,
      },
    });
  }

  it.each([
    '/.well-known/openid-configuration',
    '/.well-known/oauth-authorization-server',
    '/.well-known/jwks.json',
  ])('serves %s to any origin', async (route) => {
    const res = await call(platform().issuer, 'GET', route, { headers: { origin: STRANGER } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('serves the key set to any origin at the token service too', async () => {
    const res = await call(platform().tokenOrigin, 'GET', '/.well-known/jwks.json', {
      headers: { origin: STRANGER },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('answers a /token preflight from a redirect-URI origin and an allowed_cors_origins origin', async () => {
    for (const base of tokenBases()) {
      for (const origin of [originA, SPA_ORIGIN]) {
        const res = await preflight(base, '/token', origin);
        expect({ base, origin, status: res.status }).toEqual({ base, origin, status: 204 });
        expect(res.headers.get('access-control-allow-origin')).toBe(origin);
        expect(res.headers.get('access-control-allow-methods')).toBe('POST');
        expect(res.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
        expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
        expect(res.headers.get('vary')).toMatch(/\bOrigin\b/);
      }
    }
  });

  it('answers preflights at /revoke and /userinfo with their methods', async () => {
    const revoke = await preflight(platform().tokenOrigin, '/revoke', SPA_ORIGIN);
    expect(revoke.status).toBe(204);
    expect(revoke.headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN);
    const userinfo = await preflight(platform().issuer, '/userinfo', originA, 'GET');
    expect(userinfo.status).toBe(204);
    expect(userinfo.headers.get('access-control-allow-origin')).toBe(originA);
    expect(userinfo.headers.get('access-control-allow-methods')).toBe('GET, POST');
  });

  it('gives a preflight from an origin nobody registered no permission', async () => {
    for (const base of tokenBases()) {
      const res = await preflight(base, '/token', STRANGER);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-methods')).toBeNull();
    }
    const userinfo = await preflight(platform().issuer, '/userinfo', STRANGER, 'GET');
    expect(userinfo.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("lets client A's origins read its token and userinfo answers", async () => {
    for (const base of tokenBases()) {
      const token = await signIn(base, SPA_ORIGIN);
      expect(token.status).toBe(200);
      expect(token.headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN);
      expect(token.headers.get('vary')).toMatch(/\bOrigin\b/);

      const userinfo = await call(platform().issuer, 'GET', '/userinfo', {
        token: token.body.access_token as string,
        headers: { origin: originA },
      });
      expect(userinfo.status).toBe(200);
      expect(userinfo.body.sub).toEqual(expect.any(String));
      expect(userinfo.headers.get('access-control-allow-origin')).toBe(originA);

      const revoke = await call(base, 'POST', '/revoke', {
        basic: credentials(clientA),
        headers: { origin: SPA_ORIGIN },
        form: { token: token.body.refresh_token as string },
      });
      expect(revoke.status).toBe(200);
      expect(revoke.headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN);
    }
  });

  it("gives client B no permission on client A's origin, even for its own requests", async () => {
    for (const base of tokenBases()) {
      const res = await call(base, 'POST', '/token', {
        basic: credentials(clientB),
        headers: { origin: originA },
        form: { grant_type: 'refresh_token', refresh_token: randomToken() },
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('vary')).toMatch(/\bOrigin\b/);
    }
  });

  it("gives an origin client A did not register no permission on A's requests", async () => {
    const res = await signIn(platform().tokenOrigin, STRANGER);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const userinfo = await call(platform().issuer, 'GET', '/userinfo', {
      token: res.body.access_token as string,
      headers: { origin: STRANGER },
    });
    expect(userinfo.status).toBe(200);
    expect(userinfo.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('keeps introspection server-to-server', async () => {
    const res = await preflight(platform().tokenOrigin, '/introspect', originA);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const post = await call(platform().tokenOrigin, 'POST', '/introspect', {
      basic: credentials(clientA),
      headers: { origin: originA },
      form: { token: randomToken() },
    });
    expect(post.status).toBe(200);
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('follows a client change at once (client.changed)', async () => {
    const late = 'https://late.example.test';
    expect(
      (await preflight(platform().tokenOrigin, '/token', late)).headers.get(
        'access-control-allow-origin',
      ),
    ).toBeNull();
    const patched = await call(platform().issuer, 'PATCH', `/admin/clients/${clientB.client_id}`, {
      token: adminToken,
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ allowed_cors_origins: [late] }),
    });
    expect(patched.status).toBe(200);
    expect(patched.body.allowed_cors_origins).toEqual([late]);
    for (const base of tokenBases()) {
      const res = await preflight(base, '/token', late);
      expect(res.headers.get('access-control-allow-origin')).toBe(late);
    }
  });

  it('refuses a malformed allowed_cors_origins with an RFC 7591 error', async () => {
    const res = await call(platform().issuer, 'PATCH', `/admin/clients/${clientB.client_id}`, {
      token: adminToken,
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ allowed_cors_origins: ['https://*.example.test'] }),
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_client_metadata');
  });

  it('takes allowed_cors_origins at RFC 7591 registration and RFC 7592 read and update', async () => {
    const iat = await call(platform().issuer, 'POST', '/admin/initial-access-tokens', {
      token: adminToken,
      json: { max_uses: 1 },
    });
    expect(iat.status).toBe(201);
    const spa = 'https://registered.example.test';
    const registered = await call(platform().issuer, 'POST', '/register', {
      token: iat.body.initial_access_token as string,
      json: {
        redirect_uris: ['https://app.registered.example.test/cb'],
        token_endpoint_auth_method: 'none',
        allowed_cors_origins: [spa],
      },
    });
    expect(registered.status).toBe(201);
    expect(registered.body.allowed_cors_origins).toEqual([spa]);
    const manage = {
      token: registered.body.registration_access_token as string,
    };
    const uri = new URL(registered.body.registration_client_uri as string);
    const read = await call(platform().issuer, 'GET', uri.pathname, manage);
    expect(read.body.allowed_cors_origins).toEqual([spa]);
    const preflightAnswer = await preflight(platform().tokenOrigin, '/token', spa);
    expect(preflightAnswer.headers.get('access-control-allow-origin')).toBe(spa);

    const updated = await call(platform().issuer, 'PUT', uri.pathname, {
      ...manage,
      json: {
        client_id: registered.body.client_id,
        redirect_uris: ['https://app.registered.example.test/cb'],
        token_endpoint_auth_method: 'none',
        allowed_cors_origins: ['https://moved.example.test'],
      },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.allowed_cors_origins).toEqual(['https://moved.example.test']);
    const after = await preflight(platform().tokenOrigin, '/token', spa);
    expect(after.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('never allowed credentials in any answer above', () => {
    expect(answers.length).toBeGreaterThan(20);
    const withCredentials = answers.filter((a) =>
      a.headers.has('access-control-allow-credentials'),
    );
    expect(withCredentials).toHaveLength(0);
  });
});
