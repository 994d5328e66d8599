import { computeS256Challenge, randomToken } from '@latchkey/oauth';
import type { Browser } from 'playwright-core';
import { describeWithChromium, launchChromium } from '../support/browser';
import { startCallbackServer, type CallbackServer } from '../support/callback-server';
import { callPlatform } from '../support/http-call';
import { eventually } from '../support/processes';
import { startEmbeddedPlatform, type Platform } from '../support/platform';
import { FLOW_SCOPES, PlatformAdmin, type TestClient } from '../support/provisioning';
import { startFakeOidcUpstream, type FakeOidcUpstream } from '../support/upstream/fake-upstreams';

/**
 * "Continue with <provider>" in a real browser (Debian's Chromium through playwright-core): the
 * login page offers the upstream identity provider, a click goes through the upstream (an OpenID
 * provider on loopback that signs the user in at once) and lands back at the client with a code
 * (docs/identity-providers.md).
 */
jest.setTimeout(60_000);

describeWithChromium('"Continue with" an upstream identity provider in Chromium (embedded)', () => {
  let platform: Platform;
  let callback: CallbackServer;
  let upstream: FakeOidcUpstream;
  let browser: Browser;
  let client: TestClient;

  beforeAll(async () => {
    [platform, callback, upstream] = await Promise.all([
      startEmbeddedPlatform({ OUTBOUND_ALLOWED_CIDRS: '127.0.0.0/8' }),
      startCallbackServer(),
      startFakeOidcUpstream({ sub: 'browser-user', name: 'Browser User', email: 'b@example.test' }),
    ]);
    const admin = await PlatformAdmin.connect(platform);
    client = await admin.createClient('none', {
      redirectUri: callback.redirectUri,
      name: 'Photo Gallery',
      skipConsent: true,
    });
    const { id, secret } = platform.adminClient;
    const token = await callPlatform(platform.issuer, 'POST', '/token', {
      basic: { id, secret },
      form: { grant_type: 'client_credentials' },
    });
    const registered = await callPlatform(platform.issuer, 'POST', '/admin/identity-providers', {
      token: token.body.access_token as string,
      json: {
        id: 'acme',
        kind: 'oidc',
        display_name: 'Acme SSO',
        issuer: upstream.issuer,
        client_id: upstream.clientId,
        client_secret: upstream.clientSecret,
      },
    });
    expect(registered.status).toBe(201);
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await upstream?.close();
    await callback?.close();
    await platform?.stop();
  });

  it('clicks "Continue with Acme SSO" and lands back at the client with a code', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      const state = randomToken(16);
      const url = new URL(`${platform.issuer}/authorize`);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: client.client_id,
        redirect_uri: client.redirect_uri,
        scope: FLOW_SCOPES.join(' '),
        state,
        code_challenge: computeS256Challenge(randomToken()),
        code_challenge_method: 'S256',
      }).toString();
      await page.goto(url.toString());
      // The local form is still there; the provider is offered beside it.
      await page.getByLabel('Username').waitFor();
      await page.getByRole('link', { name: 'Continue with Acme SSO' }).click();
      const landed = await eventually(
        async () => callback.received.find((u) => u.searchParams.get('state') === state),
        { what: 'the redirect back to the client', timeoutMs: 20_000 },
      );
      expect(landed.searchParams.get('code')).toMatch(/\S+/);
      expect(landed.searchParams.get('iss')).toBe(platform.issuer);
      expect(landed.searchParams.get('error')).toBeNull();
      const cookies = await context.cookies(platform.issuer);
      const session = cookies.find((c) => c.name === 'latchkey_session');
      expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    } finally {
      await context.close();
    }
  });
});
