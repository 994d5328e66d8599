import { decodeJwt } from 'jose';
import { describeWithBackends } from '@latchkey/testing';
import { verifyAccessToken } from './support/access-token';
import { runCodeFlow } from './support/code-flow';
import { callPlatform, type CallAnswer, type CallOptions } from './support/http-call';
import { distributedBackends, usePlatform } from './support/platform';
import { freePort } from './support/processes';
import { loopbackRedirectUri, PlatformAdmin, type TestClient } from './support/provisioning';
import { HeadlessUserAgent } from './support/user-agent';

/**
 * The token service answers `/token`, `/introspect`, `/revoke` and the key set on its own port,
 * for an ingress that routes those paths to it (docs/architecture.md §2.7): the same answers as
 * the gateway gives for them, and tokens that work everywhere else.
 */
jest.setTimeout(180_000);

describeWithBackends(distributedBackends(), 'four processes', () => {
  describe('the token endpoints served by the token service', () => {
    const platform = usePlatform('distributed');
    let app: TestClient;
    let agent: HeadlessUserAgent;

    const atGateway = (method: string, route: string, options: CallOptions = {}) =>
      callPlatform(platform().issuer, method, route, options);
    const atTokenService = (method: string, route: string, options: CallOptions = {}) =>
      callPlatform(platform().tokenOrigin, method, route, options);
    const appCredentials = () => ({ id: app.client_id, secret: app.client_secret! });

    beforeAll(async () => {
      expect(platform().tokenOrigin).not.toBe(platform().issuer);
      const admin = await PlatformAdmin.connect(platform());
      const user = await admin.createUser('tess');
      agent = new HeadlessUserAgent({ username: user.username, password: user.password });
      app = await admin.createClient('client_secret_basic', {
        redirectUri: loopbackRedirectUri(await freePort()),
        name: 'Routed app',
        skipConsent: true,
      });
    });

    /** A user's tokens, from a code redeemed at the token service. */
    const signIn = () =>
      runCodeFlow(
        platform().issuer,
        agent,
        app,
        ['openid', 'profile', 'offline_access'],
        platform().tokenOrigin,
      );

    it('serves the same key set as the gateway, with the same media type and caching', async () => {
      const [direct, viaGateway] = await Promise.all([
        atTokenService('GET', '/.well-known/jwks.json'),
        atGateway('GET', '/.well-known/jwks.json'),
      ]);
      expect(direct.status).toBe(200);
      expect(direct.headers.get('content-type')).toBe('application/jwk-set+json; charset=utf-8');
      expect(direct.headers.get('cache-control')).toBe('public, max-age=60');
      expect(direct.body.keys).toEqual(expect.arrayContaining([expect.anything()]));
      expect(direct.body).toEqual(viaGateway.body);
    });

    it('issues client_credentials tokens that verify against the published keys', async () => {
      const { id, secret } = platform().adminClient;
      const res = await atTokenService('POST', '/token', {
        basic: { id, secret },
        form: { grant_type: 'client_credentials' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('pragma')).toBe('no-cache');
      const claims = await verifyAccessToken(res.body.access_token as string, {
        issuer: platform().issuer,
        jwksUri: `${platform().issuer}/.well-known/jwks.json`,
      });
      expect(claims.client_id).toBe(id);
      // The token works at the gateway's admin API.
      const clients = await atGateway('GET', '/admin/clients', {
        token: res.body.access_token as string,
      });
      expect(clients.status).toBe(200);
    });

    /** The parts of an error answer a client sees. */
    const errorShape = (res: CallAnswer) => ({
      status: res.status,
      body: res.body,
      challenge: res.headers.get('www-authenticate'),
      allow: res.headers.get('allow'),
      cacheControl: res.headers.get('cache-control'),
    });

    it.each<[string, string, string, CallOptions]>([
      [
        'a wrong client secret',
        'POST',
        '/token',
        {
          basic: { id: 'no-such-client', secret: 'wrong' },
          form: { grant_type: 'client_credentials' },
        },
      ],
      ['an unsupported grant type', 'POST', '/token', { form: { grant_type: 'password' } }],
      ['GET at the token endpoint', 'GET', '/token', {}],
      ['GET at the revocation endpoint', 'GET', '/revoke', {}],
      [
        'a body that is not a form',
        'POST',
        '/introspect',
        { json: { token: 'x' }, basic: { id: 'a', secret: 'b' } },
      ],
      ['introspection without credentials', 'POST', '/introspect', { form: { token: 'x' } }],
      [
        'a NUL byte in client_id',
        'POST',
        '/token',
        { form: { grant_type: 'client_credentials', client_id: 'a\u0000b', client_secret: 's' } },
      ],
      ['an unknown path', 'GET', '/token/x?marker=1', {}],
    ])('answers %s exactly as the gateway does', async (_case, method, route, options) => {
      const [direct, viaGateway] = await Promise.all([
        atTokenService(method, route, options),
        atGateway(method, route, options),
      ]);
      expect(direct.status).toBeGreaterThanOrEqual(400);
      expect(direct.status).toBeLessThan(500);
      expect(direct.body.error).toEqual(expect.any(String));
      expect(errorShape(direct)).toEqual(errorShape(viaGateway));
    });

    it('redeems codes and rotates refresh tokens; introspection and revocation agree with the gateway', async () => {
      const tokens = await signIn();
      const accessToken = tokens.access_token;
      expect(decodeJwt(tokens.id_token!).iss).toBe(platform().issuer);

      const refreshed = await atTokenService('POST', '/token', {
        basic: appCredentials(),
        form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
      });
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.refresh_token).not.toBe(tokens.refresh_token);

      const introspect = (at: typeof atGateway, token: string, accept?: string) =>
        at('POST', '/introspect', {
          basic: appCredentials(),
          form: { token },
          ...(accept ? { headers: { accept } } : {}),
        });
      const active = await introspect(atTokenService, accessToken);
      expect(active.status).toBe(200);
      expect(active.body).toMatchObject({ active: true, client_id: app.client_id });
      expect((await introspect(atGateway, accessToken)).body).toEqual(active.body);

      // RFC 9701: the signed answer, asked for with Accept.
      const signed = await introspect(
        atTokenService,
        accessToken,
        'application/token-introspection+jwt',
      );
      expect(signed.status).toBe(200);
      expect(signed.headers.get('content-type')).toBe('application/token-introspection+jwt');
      expect(decodeJwt(signed.text).token_introspection).toMatchObject({ active: true });

      const revoked = await atTokenService('POST', '/revoke', {
        basic: appCredentials(),
        form: { token: accessToken, token_type_hint: 'access_token' },
      });
      expect(revoked.status).toBe(200);
      expect(revoked.text).toBe('');
      expect((await introspect(atGateway, accessToken)).body).toEqual({ active: false });
      const userinfo = await atGateway('GET', '/userinfo', { token: accessToken });
      expect(userinfo.status).toBe(401);
    });
  });
});
