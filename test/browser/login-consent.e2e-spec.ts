import { computeS256Challenge, randomToken } from '@latchkey/oauth';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { describeWithChromium, launchChromium } from '../support/browser';
import { startCallbackServer, type CallbackServer } from '../support/callback-server';
import { startEmbeddedPlatform, type Platform } from '../support/platform';
import {
  FLOW_SCOPES,
  PlatformAdmin,
  type TestClient,
  type TestUser,
} from '../support/provisioning';

/**
 * The login and consent pages in a real browser (Debian's Chromium through playwright-core)
 * against the embedded platform: labelled fields and keyboard order, the security headers of the
 * pages and the session cookie's flags, the generic error for a wrong password, the consent page
 * naming the client and the scopes, and the redirect back to a loopback redirect URI (Allow: code,
 * state, iss; Deny: access_denied). Screenshots go to test/artifacts/ for a human look.
 */
jest.setTimeout(60_000);

const ARTIFACTS = path.resolve(__dirname, '..', 'artifacts');
const GENERIC_LOGIN_ERROR = 'The username or password is not correct.';

describeWithChromium('login and consent pages in Chromium (embedded)', () => {
  let platform: Platform;
  let callback: CallbackServer;
  let browser: Browser;
  let client: TestClient;
  let carol: TestUser;

  beforeAll(async () => {
    [platform, callback] = await Promise.all([startEmbeddedPlatform(), startCallbackServer()]);
    const admin = await PlatformAdmin.connect(platform);
    carol = await admin.createUser('carol');
    client = await admin.createClient('none', {
      redirectUri: callback.redirectUri,
      name: 'Photo Gallery',
    });
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await callback?.close();
    await platform?.stop();
  });

  function authorizationUrl(state: string, verifier: string, extra: Record<string, string> = {}) {
    const url = new URL(`${platform.issuer}/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: client.redirect_uri,
      scope: FLOW_SCOPES.join(' '),
      state,
      code_challenge: computeS256Challenge(verifier),
      code_challenge_method: 'S256',
      ...extra,
    }).toString();
    return url.toString();
  }

  async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 800, height: 720 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    return { context, page };
  }

  function expectPageHeaders(response: Response | null): void {
    expect(response).not.toBeNull();
    const headers = response!.headers();
    expect(headers['content-type']).toMatch(/^text\/html/);
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['cache-control']).toBe('no-store');
  }

  /** What has the keyboard focus, as `type:name` (a field) or `type:text` (a button). */
  async function focused(page: Page): Promise<string | undefined> {
    const element = page.locator(':focus');
    if ((await element.count()) !== 1) return undefined;
    const type = await element.getAttribute('type');
    const name = await element.getAttribute('name');
    return `${type}:${name ?? (await element.innerText()).trim()}`;
  }

  function callbackFor(state: string): URL {
    const hit = callback.received.find((url) => url.searchParams.get('state') === state);
    if (!hit) throw new Error(`the redirect URI received nothing with state ${state}`);
    return hit;
  }

  describe('a wrong password', () => {
    it('shows the same generic error for a wrong password and an unknown user', async () => {
      const { context, page } = await newPage();
      try {
        await page.goto(authorizationUrl('s-wrong', randomToken()));
        for (const [username, password] of [
          [carol.username, 'not the password'],
          ['nobody-here', carol.password],
        ] as const) {
          await page.getByLabel('Username').fill(username);
          await page.getByLabel('Password').fill(password);
          const [answer] = await Promise.all([
            page.waitForResponse((r) => r.request().method() === 'POST'),
            page.getByRole('button', { name: 'Sign in' }).click(),
          ]);
          await page.waitForLoadState();
          expect(answer.status()).toBe(400);
          expect((await page.getByRole('alert').innerText()).trim()).toBe(GENERIC_LOGIN_ERROR);
          // Still the login page, the username kept, the password not.
          expect(await page.getByLabel('Username').inputValue()).toBe(username);
          expect(await page.getByLabel('Password').inputValue()).toBe('');
        }
        await page.screenshot({ path: path.join(ARTIFACTS, 'login-error.png'), fullPage: true });
        const cookies = await context.cookies(platform.issuer);
        expect(cookies.map((c) => c.name)).not.toContain('latchkey_session');
        expect(callback.received).toEqual([]);
      } finally {
        await context.close();
      }
    });
  });

  describe('sign-in, consent and the redirect back', () => {
    let context: BrowserContext;
    let page: Page;
    const verifier = randomToken();

    beforeAll(async () => {
      ({ context, page } = await newPage());
    });

    afterAll(async () => {
      await context?.close();
    });

    it('serves a login page with labelled fields, a sane focus order and safe headers', async () => {
      const response = await page.goto(authorizationUrl('s-allow', verifier));
      expect(page.url()).toMatch(new RegExp(`^${platform.issuer}/login\\?`));
      expect(response?.status()).toBe(200);
      expectPageHeaders(response);
      expect(await page.title()).toBe('Sign in · Latchkey');
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Sign in');
      expect(await page.locator('main').innerText()).toContain('Photo Gallery');
      await page.screenshot({ path: path.join(ARTIFACTS, 'login.png'), fullPage: true });

      // Focus starts on the username; Tab goes to the password, then to the submit button.
      expect(await focused(page)).toBe('text:username');
      await page.getByLabel('Username').focus();
      await page.keyboard.press('Tab');
      expect(await focused(page)).toBe('password:password');
      await page.keyboard.press('Tab');
      expect(await focused(page)).toBe('submit:Sign in');
    });

    it('signs in with a session cookie that is HttpOnly and SameSite=Lax, then asks for consent', async () => {
      await page.getByLabel('Username').fill(carol.username);
      await page.getByLabel('Password').fill(carol.password);
      const [login, consent] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.waitForResponse((r) => new URL(r.url()).pathname === '/consent'),
        page.getByLabel('Password').press('Enter'),
      ]);
      expect(login.status()).toBe(303);
      const sessionCookie = (await login.headerValues('set-cookie')).find((line) =>
        line.startsWith('latchkey_session='),
      );
      expect(sessionCookie).toBeDefined();
      const attributes = sessionCookie!.split(';').map((a) => a.trim().toLowerCase());
      expect(attributes).toContain('httponly');
      expect(attributes).toContain('samesite=lax');
      expect(attributes).toContain('path=/');
      const stored = (await context.cookies(platform.issuer)).find(
        (c) => c.name === 'latchkey_session',
      );
      expect(stored).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

      await page.waitForLoadState();
      expect(consent.status()).toBe(200);
      expectPageHeaders(consent);
    });

    it('names the client and every requested scope on the consent page', async () => {
      expect(await page.title()).toBe('Allow access · Latchkey');
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(
        'Allow Photo Gallery to access your account?',
      );
      const scopes = await page.getByRole('listitem').allInnerTexts();
      expect(scopes).toHaveLength(FLOW_SCOPES.length);
      for (const scope of FLOW_SCOPES) {
        expect(scopes.some((line) => line.includes(scope))).toBe(true);
      }
      expect(await page.locator('main').innerText()).toContain(`Signed in as ${carol.username}`);
      expect(await page.getByRole('button', { name: 'Allow' }).isVisible()).toBe(true);
      expect(await page.getByRole('button', { name: 'Deny' }).isVisible()).toBe(true);

      await page.screenshot({ path: path.join(ARTIFACTS, 'consent.png'), fullPage: true });
    });

    it('Allow lands on the redirect URI with code, state and iss; the code redeems', async () => {
      await Promise.all([
        page.waitForURL((url) => url.href.startsWith(`${client.redirect_uri}?`)),
        page.getByRole('button', { name: 'Allow' }).click(),
      ]);
      expect(await page.locator('body').innerText()).toBe('done');
      const params = callbackFor('s-allow').searchParams;
      expect(params.get('iss')).toBe(platform.issuer);
      expect(params.get('code')).toMatch(/^[\w-]{20,}$/);
      expect(params.get('error')).toBeNull();

      const tokens = await fetch(`${platform.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: params.get('code')!,
          redirect_uri: client.redirect_uri,
          client_id: client.client_id,
          code_verifier: verifier,
        }).toString(),
      });
      expect(tokens.status).toBe(200);
    });

    it('Deny lands on the redirect URI with access_denied, state and iss', async () => {
      // Signed in and consented already: prompt=consent asks again.
      const response = await page.goto(
        authorizationUrl('s-deny', randomToken(), { prompt: 'consent' }),
      );
      expect(new URL(page.url()).pathname).toBe('/consent');
      expectPageHeaders(response);
      await Promise.all([
        page.waitForURL((url) => url.href.startsWith(`${client.redirect_uri}?`)),
        page.getByRole('button', { name: 'Deny' }).click(),
      ]);
      const params = callbackFor('s-deny').searchParams;
      expect(params.get('error')).toBe('access_denied');
      expect(params.get('iss')).toBe(platform.issuer);
      expect(params.get('code')).toBeNull();
    });
  });
});
