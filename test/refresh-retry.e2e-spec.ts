import { expect } from '@jest/globals';
import { runCodeFlow } from './support/code-flow';
import { callPlatform, type CallAnswer } from './support/http-call';
import { describeEachMode } from './support/platform';
import { freePort } from './support/processes';
import { loopbackRedirectUri, PlatformAdmin, type TestClient } from './support/provisioning';
import { HeadlessUserAgent } from './support/user-agent';

/**
 * A refresh whose answer was lost, retried at `/token` with the old refresh token, in both run
 * modes: within the reuse window it gets the same refresh token again; after the window the old
 * token is reuse and the whole grant, its successor included, is revoked.
 */
jest.setTimeout(120_000);

/**
 * REFRESH_TOKEN_REUSE_WINDOW_SECONDS of the platforms under test: short, so that the test can
 * outwait it, yet far longer than one local request takes, even on a busy machine.
 */
const REUSE_WINDOW_SECONDS = 2;

describeEachMode(
  'refresh retried at /token',
  (platform) => {
    let client: TestClient;
    let agent: HeadlessUserAgent;

    beforeAll(async () => {
      const admin = await PlatformAdmin.connect(platform());
      const user = await admin.createUser('rory');
      agent = new HeadlessUserAgent({ username: user.username, password: user.password });
      client = await admin.createClient('client_secret_basic', {
        redirectUri: loopbackRedirectUri(await freePort()),
        skipConsent: true,
      });
    });

    const token = (form: Record<string, string>): Promise<CallAnswer> =>
      callPlatform(platform().issuer, 'POST', '/token', {
        basic: { id: client.client_id, secret: client.client_secret! },
        form,
      });

    const refresh = (refreshToken: string) =>
      token({ grant_type: 'refresh_token', refresh_token: refreshToken });

    /** The authorization code flow through the login page, then /token. */
    const signIn = async (): Promise<string> =>
      (await runCodeFlow(platform().issuer, agent, client)).refresh_token!;

    it('answers a retry within the window with the same refresh token and fresh tokens', async () => {
      const first = await signIn();
      const rotated = await refresh(first);
      expect(rotated.status).toBe(200);
      const retried = await refresh(first);
      expect(retried.status).toBe(200);
      expect(retried.headers.get('cache-control')).toBe('no-store');
      expect(retried.body).toMatchObject({
        token_type: 'Bearer',
        refresh_token: rotated.body.refresh_token,
        id_token: expect.any(String),
      });
      expect(retried.body.access_token).not.toBe(rotated.body.access_token);
      const next = await refresh(rotated.body.refresh_token as string);
      expect(next.status).toBe(200);
      expect(next.body.refresh_token).not.toBe(rotated.body.refresh_token);
    });

    it('treats the old token after the window as reuse: invalid_grant, successor revoked', async () => {
      const first = await signIn();
      const rotated = await refresh(first);
      expect(rotated.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, (REUSE_WINDOW_SECONDS + 1) * 1000));
      const reused = await refresh(first);
      expect(reused.status).toBe(400);
      expect(reused.body).toMatchObject({ error: 'invalid_grant' });
      const successor = await refresh(rotated.body.refresh_token as string);
      expect(successor.status).toBe(400);
      expect(successor.body).toMatchObject({ error: 'invalid_grant' });
    });
  },
  { REFRESH_TOKEN_REUSE_WINDOW_SECONDS: String(REUSE_WINDOW_SECONDS) },
);
