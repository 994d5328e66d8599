import { expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { describeWithChromium, launchChromium } from '../support/browser';
import { listenOnLoopback, type LoopbackServer } from '../support/callback-server';
import { startEmbeddedPlatform, type Platform } from '../support/platform';
import { PlatformAdmin, type TestClient, type TestUser } from '../support/provisioning';

/**
 * A single-page app in a real browser (Debian's Chromium through playwright-core) on its own
 * loopback origin, against the embedded platform: oauth4webapi in the page runs discovery, the
 * authorization code flow with PKCE as a public client, the token request and userinfo, all
 * cross-origin, so each answer is readable only through CORS (docs/architecture.md §3). A page
 * on an origin nobody registered can read discovery but not a token answer.
 */
jest.setTimeout(60_000);

const OAUTH4WEBAPI = readFileSync(require.resolve('oauth4webapi'), 'utf8');

/** What the app shows when it is done: `{ok: true, ...}` or `{ok: false, error}`. */
interface Outcome {
  ok: boolean;
  sub?: string;
  name?: string;
  error?: string;
}

/** The app: `/` starts the flow, `/cb` finishes it and calls userinfo. */
function spaPage(issuer: string, clientId: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SPA</title></head>
<body><pre id="outcome"></pre>
<script type="module">
import * as oauth from '/oauth4webapi.js';
const issuer = new URL(${JSON.stringify(issuer)});
const client = { client_id: ${JSON.stringify(clientId)} };
const redirectUri = location.origin + '/cb';
const http = { [oauth.allowInsecureRequests]: true };
const show = (outcome) => { document.getElementById('outcome').textContent = JSON.stringify(outcome); };
try {
  const as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...http }),
  );
  if (location.pathname === '/') {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    sessionStorage.setItem('flow', JSON.stringify({ verifier, state }));
    const url = new URL(as.authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: redirectUri,
      scope: 'openid profile',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    location.assign(url.href);
  } else {
    const { verifier, state } = JSON.parse(sessionStorage.getItem('flow'));
    const params = oauth.validateAuthResponse(as, client, new URL(location.href), state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, verifier, http),
    );
    const { sub } = oauth.getValidatedIdTokenClaims(tokens);
    const info = await oauth.processUserInfoResponse(
      as,
      client,
      sub,
      await oauth.userInfoRequest(as, client, tokens.access_token, http),
    );
    show({ ok: true, sub: info.sub, name: info.name });
  }
} catch (err) {
  show({ ok: false, error: String(err) + ' ' + String(err && err.cause) });
}
</script></body></html>`;
}

/** A page that tries the token endpoint and discovery from an origin no client registered. */
function strangerPage(issuer: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stranger</title></head>
<body><pre id="outcome"></pre>
<script type="module">
const issuer = ${JSON.stringify(issuer)};
const read = async (request) => {
  try {
    const res = await request;
    return { status: res.status, readable: true };
  } catch (err) {
    return { readable: false, error: String(err) };
  }
};
const discovery = await read(fetch(issuer + '/.well-known/openid-configuration'));
const token = await read(fetch(issuer + '/token', {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: 'grant_type=authorization_code&code=x&client_id=nobody',
}));
document.getElementById('outcome').textContent = JSON.stringify({ ok: true, discovery, token });
</script></body></html>`;
}

/** A static web server on its own loopback origin, as a browser app is deployed. */
function servePages(page: () => string): Promise<LoopbackServer> {
  return listenOnLoopback((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/oauth4webapi.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(OAUTH4WEBAPI);
    } else if (path === '/' || path === '/cb') {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end(page());
    } else {
      res.writeHead(404).end();
    }
  });
}

describeWithChromium('a single-page app in Chromium, cross-origin (embedded)', () => {
  let platform: Platform;
  let spa: LoopbackServer;
  let stranger: LoopbackServer;
  let browser: Browser;
  let client: TestClient | undefined;
  let dora: TestUser;

  beforeAll(async () => {
    platform = await startEmbeddedPlatform();
    spa = await servePages(() => spaPage(platform.issuer, client?.client_id ?? ''));
    stranger = await servePages(() => strangerPage(platform.issuer));
    const admin = await PlatformAdmin.connect(platform);
    dora = await admin.createUser('dora');
    client = await admin.createClient('none', {
      redirectUri: `${spa.origin}/cb`,
      name: 'Single-page app',
      skipConsent: true,
    });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await spa?.close();
    await stranger?.close();
    await platform?.stop();
  });

  /** A fresh browser context at `url`, closed afterwards. */
  async function inNewPage<T>(url: string, use: (page: Page) => Promise<T>): Promise<T> {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      await page.goto(url);
      return await use(page);
    } finally {
      await context.close();
    }
  }

  async function outcomeOf(page: Page): Promise<Outcome & Record<string, unknown>> {
    const shown = page.locator('#outcome').filter({ hasText: '"ok"' });
    return JSON.parse((await shown.textContent()) ?? '') as Outcome & Record<string, unknown>;
  }

  it('signs in with PKCE and reads userinfo from its own origin', async () => {
    const outcome = await inNewPage(`${spa.origin}/`, async (page) => {
      await page.getByLabel('Username').fill(dora.username);
      await page.getByLabel('Password').fill(dora.password);
      await Promise.all([
        page.waitForURL((url) => url.href.startsWith(`${spa.origin}/cb?`)),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      return outcomeOf(page);
    });
    expect(outcome).toEqual({ ok: true, sub: expect.any(String), name: dora.name });
  });

  it('lets a page on an origin nobody registered read discovery, but no token answer', async () => {
    const outcome = await inNewPage(`${stranger.origin}/`, outcomeOf);
    expect(outcome.discovery).toEqual({ status: 200, readable: true });
    expect(outcome.token).toMatchObject({
      readable: false,
      error: expect.stringMatching(/TypeError/),
    });
  });
});
