import { expect } from '@jest/globals';
import { randomToken } from '@latchkey/oauth';
import { runCodeFlow } from './support/code-flow';
import { callPlatform, type CallAnswer, type CallOptions } from './support/http-call';
import { describeEachMode } from './support/platform';
import { freePort } from './support/processes';
import { loopbackRedirectUri, PlatformAdmin } from './support/provisioning';
import { HeadlessUserAgent } from './support/user-agent';

/**
 * No secret in the logs (docs/architecture.md §3): a whole working day of the platform, at log
 * level debug, with everything every service logged captured (the processes' output in
 * distributed mode, the loggers' destination in embedded mode), then searched for every code,
 * token, secret, password, cookie value and PKCE verifier the day used, including credentials
 * sent where they do not belong (query strings) and refused.
 */
jest.setTimeout(120_000);

describeEachMode(
  'secrets never reach the logs',
  (platform) => {
    const secrets = new Map<string, string>();
    const remember = (what: string, value: unknown) => {
      if (typeof value === 'string' && value !== '') secrets.set(value, what);
    };
    const call = (method: string, route: string, options: CallOptions = {}): Promise<CallAnswer> =>
      callPlatform(platform().issuer, method, route, options);

    const expectRefused = (answer: CallAnswer) => {
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
    };

    /** Waits until the gateway logged a request to this path, so every earlier line is out. */
    async function loggedUpTo(marker: string): Promise<string> {
      await call('GET', marker);
      for (;;) {
        const output = platform().output();
        if (output.includes(marker)) return output;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    it('logs the flows of a day without one code, token, secret, password or cookie', async () => {
      const { adminClient } = platform();
      remember('the admin client secret', adminClient.secret);
      const admin = await PlatformAdmin.connect(platform());
      const adminToken = await call('POST', '/token', {
        basic: adminClient,
        form: { grant_type: 'client_credentials' },
      });
      expect(adminToken.status).toBe(200);
      remember('an admin access token', adminToken.body.access_token);
      const bearer = adminToken.body.access_token as string;

      const user = await admin.createUser('lena');
      remember('a password', user.password);
      const app = await admin.createClient('client_secret_basic', {
        redirectUri: loopbackRedirectUri(await freePort()),
      });
      remember('a client secret', app.client_secret);
      const credentials = { id: app.client_id, secret: app.client_secret! };

      // The authorization code flow with PKCE through the login and consent pages.
      const agent = new HeadlessUserAgent({ username: user.username, password: user.password });
      const tokens = await runCodeFlow(platform().issuer, agent, app);
      remember('a code', tokens.code);
      remember('a code_verifier', tokens.code_verifier);
      remember('an access token', tokens.access_token);
      remember('a refresh token', tokens.refresh_token);
      remember('an id_token', tokens.id_token);

      const refreshed = await call('POST', '/token', {
        basic: credentials,
        form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
      });
      expect(refreshed.status).toBe(200);
      for (const key of ['access_token', 'refresh_token', 'id_token']) {
        remember(`a refreshed ${key}`, refreshed.body[key]);
      }
      const accessToken = refreshed.body.access_token as string;

      expect((await call('GET', '/userinfo', { token: accessToken })).status).toBe(200);
      const introspected = await call('POST', '/introspect', {
        basic: credentials,
        form: { token: accessToken },
      });
      expect(introspected.body).toMatchObject({ active: true });

      // Replays and refusals are logged too: a code redeemed twice, a rotated refresh token.
      const replay = await call('POST', '/token', {
        basic: credentials,
        form: {
          grant_type: 'authorization_code',
          code: tokens.code,
          redirect_uri: app.redirect_uri,
          code_verifier: tokens.code_verifier,
        },
      });
      expect(replay.body.error).toBe('invalid_grant');
      const reused = await call('POST', '/token', {
        basic: credentials,
        form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
      });
      expect(reused.body.error).toBe('invalid_grant');

      // A second sign-in, to have a live session and grant to end.
      const second = await runCodeFlow(platform().issuer, agent, app);
      remember('a second code', second.code);
      remember('a second code_verifier', second.code_verifier);
      remember('a second access token', second.access_token);
      remember('a second refresh token', second.refresh_token);
      remember('a second id_token', second.id_token);
      expect(
        (
          await call('POST', '/revoke', {
            basic: credentials,
            form: { token: second.access_token },
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await call('POST', '/revoke', {
            basic: credentials,
            form: { token: second.refresh_token!, token_type_hint: 'refresh_token' },
          })
        ).status,
      ).toBe(200);

      // Logout, with the id_token as hint in the query string and the session cookie.
      const logout = await call(
        'GET',
        `/logout?${new URLSearchParams({ id_token_hint: second.id_token!, client_id: app.client_id })}`,
        { headers: { cookie: agent.cookies.header() } },
      );
      expect(logout.status).toBeLessThan(500);
      for (const value of agent.cookies.valuesSeen) remember('a cookie value', value);

      // A failed sign-in: a wrong password on the login page.
      const wrongPassword = `wrong ${randomToken(16)}`;
      remember('a wrong password', wrongPassword);
      const intruder = new HeadlessUserAgent({ username: user.username, password: wrongPassword });
      await expect(runCodeFlow(platform().issuer, intruder, app)).rejects.toThrow(
        /username or password is not correct/,
      );
      for (const value of intruder.cookies.valuesSeen) remember('a cookie value', value);

      // Credentials where they do not belong, refused.
      const inQuery = await call(
        'GET',
        `/userinfo?${new URLSearchParams({ access_token: accessToken })}`,
      );
      expectRefused(inQuery);
      const secretInQuery = await call(
        'POST',
        `/token?${new URLSearchParams({ client_id: app.client_id, client_secret: app.client_secret! })}`,
        { form: { grant_type: 'client_credentials' } },
      );
      expectRefused(secretInQuery);
      const tokenInQuery = await call(
        'POST',
        `/introspect?${new URLSearchParams({ token: accessToken })}`,
        { basic: credentials },
      );
      expectRefused(tokenInQuery);
      const adminInQuery = await call(
        'GET',
        `/admin/clients?${new URLSearchParams({ access_token: bearer })}`,
      );
      expectRefused(adminInQuery);
      // A malformed Authorization header carrying a secret.
      const malformed = await call('POST', '/token', {
        headers: { authorization: `Basic ${app.client_secret}` },
        form: { grant_type: 'client_credentials' },
      });
      expectRefused(malformed);

      // Bodies the parsers cannot read, with a credential inside: parser errors quote their input.
      const brokenSecret = randomToken();
      remember('a secret in a malformed JSON body', brokenSecret);
      for (const route of ['/admin/clients', '/token', '/register']) {
        const broken = await call('POST', route, {
          token: bearer,
          headers: { 'content-type': 'application/json' },
          body: `{"client_secret": "${brokenSecret}", "password": "${brokenSecret}"`,
        });
        expectRefused(broken);
      }

      const logged = await loggedUpTo(`/after-the-day-${randomToken(16)}`);
      // The capture works: the day is in the logs, at the level asked for.
      expect(logged).toContain('/userinfo');
      const leaks: string[] = [];
      for (const [value, what] of secrets) {
        const forms = new Set([value, encodeURIComponent(value), value.replace(/ /g, '+')]);
        if ([...forms].some((form) => logged.includes(form))) leaks.push(what);
      }
      expect(leaks).toEqual([]);
    });
  },
  { LOG_LEVEL: 'debug' },
);
