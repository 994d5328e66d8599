import { checkAuditEventSchema } from '@latchkey/audit-client';
import type { StoredAuditEvent } from '@latchkey/contracts';
import { computeS256Challenge, randomToken } from '@latchkey/oauth';
import { randomBytes } from 'node:crypto';
import { parseFirstForm } from './support/html-form';
import { callPlatform, type CallOptions } from './support/http-call';
import { describeEachMode } from './support/platform';
import { CookieJar } from './support/user-agent';

/**
 * The audit trail a security team reads (docs/audit-events.md), over real HTTP against the whole
 * platform, in both run modes (distributed: the caller and actor cross NATS in headers): admin changes, a sign-in with a double consent submit, a refused consent, the code
 * and token lifecycle, failed client authentication at every endpoint, logout and a disabled
 * user. Every expected type is stored, matches its schema, names its actor, the installation
 * (`source` `<issuer>/<service>`, `issuer`) and, when an HTTP request caused it, the caller's
 * address and user agent.
 */
const REDIRECT_URI = 'https://rp.example.test/callback';
const ADMIN_UA = 'latchkey-ops-console/2.1';
const BROWSER_UA = 'Mozilla/5.0 (audit-e2e browser)';
const ATTACKER_UA = 'credential-stuffer/0.1';
const short = () => randomBytes(4).toString('hex');
const LOOPBACK = /^(::ffff:)?127\.0\.0\.1$|^::1$/;

interface Answer {
  url: string;
  status: number;
  headers: Headers;
  text: string;
}

/** A browser with its own user agent and cookie jar; forms are submitted by hand. */
class Browser {
  readonly cookies = new CookieJar();

  async request(method: 'GET' | 'POST', url: string, form?: URLSearchParams): Promise<Answer> {
    const headers: Record<string, string> = { accept: 'text/html', 'user-agent': BROWSER_UA };
    const cookie = this.cookies.header();
    if (cookie) headers.cookie = cookie;
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers.origin = new URL(url).origin;
    }
    const res = await fetch(url, {
      method,
      headers,
      body: form?.toString(),
      redirect: 'manual',
      signal: AbortSignal.timeout(15_000),
    });
    this.cookies.store(res.headers);
    return { url, status: res.status, headers: res.headers, text: await res.text() };
  }

  /** Follows redirects within the issuer until a page or a redirect elsewhere. */
  async follow(answer: Answer, issuer: string): Promise<Answer> {
    let current = answer;
    for (let hop = 0; hop < 10; hop++) {
      const location = current.headers.get('location');
      if (!location) return current;
      const target = new URL(location, current.url);
      if (target.origin !== issuer) return current;
      current = await this.request('GET', target.toString());
    }
    throw new Error('too many redirects');
  }

  /** The page's form, filled with `values` on top of its own fields. */
  formOf(page: Answer, values: Record<string, string>): { action: string; body: URLSearchParams } {
    const form = parseFirstForm(page.text, page.url);
    if (!form) throw new Error(`no form on ${page.url}: ${page.status} ${page.text.slice(0, 200)}`);
    const body = new URLSearchParams();
    for (const field of form.fields)
      if (!(field.name in values)) body.append(field.name, field.value);
    for (const [name, value] of Object.entries(values)) body.append(name, value);
    return { action: form.action, body };
  }
}

describeEachMode('audit events: complete and attributable', (platform) => {
  let issuer: string;
  let adminToken: string;
  const user = { username: `audit-${short()}`, password: 'correct horse battery staple 42' };
  let userId: string;
  let client: { client_id: string; client_secret: string };
  let other: { client_id: string; client_secret: string };

  const call = (method: string, route: string, options: CallOptions = {}) =>
    callPlatform(issuer, method, route, {
      ...options,
      headers: { 'user-agent': ADMIN_UA, ...options.headers },
    });
  const admin = (method: string, route: string, json?: unknown) =>
    call(method, route, { token: adminToken, ...(json === undefined ? {} : { json }) });

  async function createClient(name: string) {
    const answer = await admin('POST', '/admin/clients', {
      client_name: name,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid profile offline_access',
    });
    expect(answer.status).toBe(201);
    return answer.body as { client_id: string; client_secret: string };
  }

  /** Through login and consent up to the consent form; answers the consent page. */
  async function consentPageFor(browser: Browser, clientId: string): Promise<Answer> {
    const verifier = randomToken(32);
    const url = `${issuer}/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile offline_access',
      state: randomToken(16),
      nonce: randomToken(16),
      code_challenge: computeS256Challenge(verifier),
      code_challenge_method: 'S256',
    })}`;
    let page = await browser.follow(await browser.request('GET', url), issuer);
    if (/name="password"/.test(page.text)) {
      const login = browser.formOf(page, user);
      page = await browser.follow(await browser.request('POST', login.action, login.body), issuer);
    }
    expect(page.text).toMatch(/name="decision"/);
    consentVerifiers.set(clientId, verifier);
    return page;
  }
  const consentVerifiers = new Map<string, string>();

  /** Every stored event of a type (newest first), waiting for delivery from the outboxes. */
  async function eventsOf(type: string, atLeast = 1): Promise<StoredAuditEvent[]> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const answer = await admin('GET', `/admin/audit?type=${type}&limit=500`);
      expect(answer.status).toBe(200);
      const items = (answer.body as unknown as { items: StoredAuditEvent[] }).items;
      if (items.length >= atLeast || Date.now() > deadline) return items;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  beforeAll(async () => {
    issuer = platform().issuer;
    const { id, secret } = platform().adminClient;
    const token = await call('POST', '/token', {
      basic: { id, secret },
      form: { grant_type: 'client_credentials' },
    });
    expect(token.status).toBe(200);
    adminToken = token.body.access_token as string;
  });

  it('records every kind of fact with its actor, caller, installation and a valid schema', async () => {
    // Admin changes.
    const created = await admin('POST', '/admin/users', user);
    expect(created.status).toBe(201);
    userId = created.body.id as string;
    expect((await admin('PATCH', `/admin/users/${userId}`, { name: 'Audit User' })).status).toBe(
      200,
    );
    client = await createClient('Audited app');
    other = await createClient('Refused app');
    const resource = `https://api-${short()}.example.test`;
    expect(
      (await admin('POST', '/admin/resources', { identifier: resource, name: 'R', scopes: ['r'] }))
        .status,
    ).toBe(201);
    const resourcePath = `/admin/resources/${encodeURIComponent(resource)}`;
    expect((await admin('PATCH', resourcePath, { scopes: ['r', 'w'] })).status).toBe(200);
    expect((await admin('DELETE', resourcePath)).status).toBe(204);
    expect((await admin('POST', '/admin/keys/rotate')).status).toBeLessThan(300);
    expect((await call('GET', '/admin/users')).status).toBe(401);

    // A sign-in; the consent form is submitted twice (a double click).
    const browser = new Browser();
    const consentPage = await consentPageFor(browser, client.client_id);
    const allow = browser.formOf(consentPage, { decision: 'allow' });
    const first = await browser.request('POST', allow.action, allow.body);
    const second = await browser.request('POST', allow.action, allow.body);
    expect(first.status).toBe(303);
    const callback = new URL(first.headers.get('location')!);
    const code = callback.searchParams.get('code')!;
    expect(code).toBeTruthy();
    expect(second.headers.get('location') ?? '').not.toContain('code=');

    // The refused consent (another client, the same browser session).
    const refusedPage = await consentPageFor(browser, other.client_id);
    const deny = browser.formOf(refusedPage, { decision: 'deny' });
    const denied = await browser.request('POST', deny.action, deny.body);
    expect(new URL(denied.headers.get('location')!).searchParams.get('error')).toBe(
      'access_denied',
    );

    // The code and token lifecycle.
    const basic = { id: client.client_id, secret: client.client_secret };
    const exchanged = await call('POST', '/token', {
      basic,
      form: {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: consentVerifiers.get(client.client_id)!,
      },
    });
    expect(exchanged.status).toBe(200);
    const refreshed = await call('POST', '/token', {
      basic,
      form: { grant_type: 'refresh_token', refresh_token: exchanged.body.refresh_token as string },
    });
    expect(refreshed.status).toBe(200);
    const revoked = await call('POST', '/revoke', {
      basic,
      form: { token: refreshed.body.refresh_token as string, token_type_hint: 'refresh_token' },
    });
    expect(revoked.status).toBe(200);

    // Failed client authentication at the token, introspection and revocation endpoints.
    const wrong = { id: client.client_id, secret: 'not-the-secret' };
    const attacker = { 'user-agent': ATTACKER_UA };
    for (const [route, form] of [
      ['/token', { grant_type: 'client_credentials' }],
      ['/introspect', { token: 'x' }],
      ['/revoke', { token: 'x' }],
    ] as const) {
      const refused = await call('POST', route, { basic: wrong, form, headers: attacker });
      expect(refused.status).toBe(401);
    }
    const registration = await call('POST', '/register', {
      token: 'not-an-initial-access-token',
      json: { redirect_uris: [REDIRECT_URI] },
      headers: attacker,
    });
    expect(registration.status).toBe(401);

    // Logout, then the user is disabled.
    const loggedOut = await browser.follow(
      await browser.request(
        'GET',
        `${issuer}/logout?id_token_hint=${exchanged.body.id_token as string}`,
      ),
      issuer,
    );
    if (loggedOut.status === 200 && /<form/.test(loggedOut.text)) {
      const confirm = browser.formOf(loggedOut, {});
      await browser.request('POST', confirm.action, confirm.body);
    }
    expect((await admin('PATCH', `/admin/users/${userId}`, { disabled: true })).status).toBe(200);

    const expected: Record<string, (event: StoredAuditEvent) => boolean> = {
      'admin_login.succeeded': () => true,
      'admin_access.denied': (e) => e.data.path === '/admin/users',
      'user.created': (e) => e.data.sub === userId,
      'user.updated': (e) => e.data.sub === userId,
      'user.disabled': (e) => e.data.sub === userId,
      'client.created': (e) => e.data.client_id === client.client_id,
      'resource.created': () => true,
      'resource.updated': () => true,
      'resource.deleted': () => true,
      'key.rotated': (e) => e.data.trigger === 'on_demand',
      'login.succeeded': (e) => e.data.sub === userId,
      'session.started': (e) => e.data.sub === userId,
      'session.ended': (e) => e.data.sub === userId,
      'consent.granted': (e) => e.data.sub === userId,
      'consent.denied': (e) => e.data.sub === userId,
      'code.issued': (e) => e.data.sub === userId,
      'code.redeemed': (e) => e.data.sub === userId,
      'grant.created': (e) => e.data.sub === userId,
      'token.issued': (e) => e.data.sub === userId,
      'token.refreshed': (e) => e.data.sub === userId,
      'token.revoked': (e) => e.data.sub === userId,
      'client_authentication.failed': (e) => e.data.client_id === client.client_id,
    };
    const found = new Map<string, StoredAuditEvent[]>();
    for (const [type, mine] of Object.entries(expected)) {
      const deadline = Date.now() + 20_000;
      let matching: StoredAuditEvent[] = [];
      while (matching.length === 0 && Date.now() < deadline) {
        matching = (await eventsOf(type)).filter(mine);
      }
      found.set(type, matching);
    }
    const missing = [...found].filter(([, events]) => events.length === 0).map(([type]) => type);
    expect(missing).toEqual([]);

    for (const events of found.values()) {
      for (const event of events) {
        expect(checkAuditEventSchema(event)).toEqual({ kind: 'valid' });
        expect(event.issuer).toBe(issuer);
        expect(event.source).toMatch(new RegExp(`^${issuer}/(gateway|token|client-registry)$`));
        expect(event.data.actor).toBeDefined();
      }
    }
    const one = (type: string) => found.get(type)![0]!;
    const adminActor = { type: 'admin', id: platform().adminClient.id };

    // Admin changes name the admin client, its address and user agent, in every service.
    for (const type of ['user.created', 'user.updated', 'user.disabled', 'client.created']) {
      expect(one(type).data).toMatchObject({ actor: adminActor, user_agent: ADMIN_UA });
      expect(one(type).data.ip).toMatch(LOOPBACK);
      expect(one(type).requestid).toBeDefined();
    }
    for (const type of [
      'resource.created',
      'resource.updated',
      'resource.deleted',
      'key.rotated',
    ]) {
      expect(found.get(type)!.some((e) => e.data.actor?.id === adminActor.id)).toBe(true);
    }
    expect(one('admin_login.succeeded').data).toMatchObject({ actor: adminActor });
    expect(one('admin_access.denied').data).toMatchObject({
      actor: { type: 'anonymous' },
      reason: 'invalid_token',
      user_agent: ADMIN_UA,
    });

    // The user's own actions name the user and the browser.
    for (const type of ['login.succeeded', 'session.started', 'consent.granted', 'code.issued']) {
      expect(one(type).data).toMatchObject({
        actor: { type: 'user', id: userId },
        user_agent: BROWSER_UA,
      });
      expect(one(type).data.ip).toMatch(LOOPBACK);
    }
    expect(one('code.redeemed').data.actor).toEqual({ type: 'client', id: client.client_id });
    expect(one('token.revoked').data).toMatchObject({
      actor: { type: 'client', id: client.client_id },
      reason: 'client_revoked',
    });
    const endings = found.get('session.ended')!.map((e) => e.data.reason);
    expect(endings).toEqual(expect.arrayContaining(['logout']));

    // A double submit is one consent; a refused consent is none.
    const granted = found.get('consent.granted')!;
    expect(granted.map((e) => e.data.client_id)).toEqual([client.client_id]);
    expect(found.get('consent.denied')!.map((e) => e.data.client_id)).toEqual([other.client_id]);

    // Failed client authentication names the endpoint, the address and the user agent.
    const failures = found.get('client_authentication.failed')!;
    expect(failures.map((e) => e.data.endpoint).sort()).toEqual([
      'introspection',
      'revocation',
      'token',
    ]);
    for (const failure of failures) {
      expect(failure.data).toMatchObject({ user_agent: ATTACKER_UA, actor: { type: 'client' } });
      expect(failure.data.ip).toMatch(LOOPBACK);
    }
    const atRegistration = (await eventsOf('client_authentication.failed')).filter(
      (e) => e.data.endpoint === 'registration',
    );
    expect(atRegistration.length).toBeGreaterThanOrEqual(1);
    expect(atRegistration[0]!.data).toMatchObject({
      method: 'initial_access_token',
      actor: { type: 'anonymous' },
      user_agent: ATTACKER_UA,
    });

    const verify = await admin('GET', '/admin/audit/verify');
    expect(verify.body).toMatchObject({ valid: true });
  }, 120_000);
});
