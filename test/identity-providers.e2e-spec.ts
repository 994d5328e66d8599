import { randomToken } from '@latchkey/oauth';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { startCallbackServer, type CallbackServer } from './support/callback-server';
import {
  downstreamAuthorizationRequest,
  redeemDownstreamCode,
  type DownstreamClient,
} from './support/downstream-client';
import { callPlatform, type CallAnswer } from './support/http-call';
import { eventually, freePort, ROOT, startProcess, type RunningProcess } from './support/processes';
import { describeWithBackends } from '@latchkey/testing';
import {
  distributedBackends,
  PLATFORM_MODES,
  startPlatform,
  type Platform,
  type PlatformMode,
} from './support/platform';
import {
  startFakeOAuth2Upstream,
  startFakeOidcUpstream,
  type FakeOAuth2Upstream,
  type FakeOidcUpstream,
  type IdTokenDefect,
} from './support/upstream/fake-upstreams';
import { parseFirstForm } from './support/html-form';
import { CookieJar } from './support/user-agent';

/**
 * Signing in through upstream identity providers (docs/identity-providers.md), over real HTTP
 * against the whole platform: node-oidc-provider as an upstream OpenID Connect provider, a
 * GitHub-style OAuth 2.0 provider, and an OpenID Connect provider that misbehaves on purpose.
 * Each sign-in ends with tokens for a downstream client whose ID Token and userinfo carry what
 * the upstream said; each upstream failure ends on the error page with an audit event and no
 * session. In both run modes (distributed: the built services, `npm run build` first).
 */
const SESSION_COOKIE = 'latchkey_session';

interface Journey {
  /** The redirect to the client (code, state, iss), when the flow got there. */
  callback?: URL;
  /** The last answer otherwise (an error page). */
  last?: { url: string; status: number; text: string; contentType: string };
  /** Every URL visited, in order. */
  trail: string[];
  jars: Map<string, CookieJar>;
}

/** A browser across origins (Latchkey, the upstream): one cookie jar per origin, GET redirects. */
async function travel(start: string, redirectUri: string, jars = new Map<string, CookieJar>()) {
  const journey: Journey = { trail: [], jars };
  let url = start;
  for (let hop = 0; hop < 20; hop++) {
    journey.trail.push(url);
    const origin = new URL(url).origin;
    const jar = jars.get(origin) ?? new CookieJar();
    jars.set(origin, jar);
    const cookie = jar.header();
    const res = await fetch(url, {
      headers: { accept: 'text/html', ...(cookie ? { cookie } : {}) },
      redirect: 'manual',
      signal: AbortSignal.timeout(20_000),
    });
    jar.store(res.headers);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, url);
      if (next.toString().startsWith(redirectUri)) {
        journey.callback = next;
        return journey;
      }
      url = next.toString();
      continue;
    }
    journey.last = {
      url,
      status: res.status,
      text: await res.text(),
      contentType: res.headers.get('content-type') ?? '',
    };
    return journey;
  }
  throw new Error(`too many redirects: ${journey.trail.join('\n')}`);
}

function suite(mode: PlatformMode): void {
  jest.setTimeout(240_000);

  let platform: Platform;
  let adminToken: string;
  let rp: CallbackServer;
  let client: { client_id: string; client_secret: string };
  let upstreamOp: RunningProcess;
  let upstreamOpIssuer: string;
  let fake: FakeOidcUpstream;
  let octo: FakeOAuth2Upstream;
  let jwtClientKey: Record<string, unknown>;

  const call = (method: string, route: string, json?: unknown): Promise<CallAnswer> =>
    callPlatform(platform.issuer, method, route, { token: adminToken, json });

  const registerProvider = async (provider: Record<string, unknown>) => {
    const answer = await call('POST', '/admin/identity-providers', provider);
    if (answer.status !== 201) throw new Error(`provider: ${answer.status} ${answer.text}`);
    return answer.body;
  };

  const downstream = (): DownstreamClient => ({ ...client, redirect_uri: rp.redirectUri });

  /** An authorization request of the downstream client, with PKCE and a nonce. */
  const authorizationRequest = (extra: Record<string, string> = {}) =>
    downstreamAuthorizationRequest(platform.issuer, downstream(), 'openid profile email', extra);

  /** The code of a journey exchanged at /token; the ID Token verified with Latchkey's keys. */
  const redeem = async (journey: Journey, verifier: string, nonce: string) => {
    if (!journey.callback) {
      throw new Error(
        `no callback: ${journey.last?.status} ${journey.last?.text.slice(0, 400)}\n${journey.trail.join('\n')}`,
      );
    }
    return redeemDownstreamCode(platform.issuer, downstream(), journey.callback, {
      verifier,
      nonce,
    });
  };

  /** Audit events of a type about a subject, once delivered (the outbox relays asynchronously). */
  const auditEvents = (type: string, subject: string, count = 1) =>
    eventually(
      async () => {
        const answer = await call(
          'GET',
          `/admin/audit?type=${type}&subject=${encodeURIComponent(subject)}&limit=100`,
        );
        const items = (answer.body.items ?? []) as Record<string, unknown>[];
        return items.length >= count ? items : undefined;
      },
      { what: `${count} ${type} event(s) about ${subject}`, timeoutMs: 30_000 },
    );

  beforeAll(async () => {
    platform = await startPlatform(mode, { OUTBOUND_ALLOWED_CIDRS: '127.0.0.0/8' });
    const { id, secret } = platform.adminClient;
    const token = await callPlatform(platform.issuer, 'POST', '/token', {
      basic: { id, secret },
      form: { grant_type: 'client_credentials' },
    });
    adminToken = token.body.access_token as string;
    rp = await startCallbackServer();
    const created = await call('POST', '/admin/clients', {
      client_name: 'Downstream app',
      redirect_uris: [rp.redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid profile email',
      skip_consent: true,
    });
    client = created.body as typeof client;

    const port = await freePort();
    upstreamOpIssuer = `http://127.0.0.1:${port}`;
    const upstreamSecret = randomBytes(24).toString('base64url');
    // Latchkey's key pair for private_key_jwt: the upstream is given the public half.
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    jwtClientKey = { ...privateKey.export({ format: 'jwk' }), kid: 'latchkey-upstream-1' };
    const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid: 'latchkey-upstream-1' };
    upstreamOp = startProcess(
      'upstream-oidc-provider',
      [path.join(ROOT, 'test', 'support', 'upstream', 'oidc-provider-upstream.mjs')],
      {
        PORT: String(port),
        UPSTREAM_CLIENT: JSON.stringify({
          client_id: 'latchkey',
          client_secret: upstreamSecret,
          redirect_uris: [`${platform.issuer}/login/upstream/corp/callback`],
        }),
        UPSTREAM_JWT_CLIENT: JSON.stringify({
          client_id: 'latchkey-jwt',
          redirect_uris: [`${platform.issuer}/login/upstream/corp-jwt/callback`],
          jwks: { keys: [publicJwk] },
        }),
        UPSTREAM_ACCOUNT: JSON.stringify({
          sub: 'upstream-alice',
          email: 'alice@corp.example.test',
          email_verified: true,
          name: 'Alice Upstream',
          given_name: 'Alice',
          family_name: 'Upstream',
          preferred_username: 'alice.corp',
          groups: ['engineering', 'admins'],
        }),
      },
    );
    await eventually(async () => upstreamOp.output().includes('ready'), {
      what: 'the upstream OpenID provider',
    });
    await registerProvider({
      id: 'corp',
      kind: 'oidc',
      display_name: 'Corporate',
      issuer: upstreamOpIssuer,
      client_id: 'latchkey',
      client_secret: upstreamSecret,
      scopes: ['openid', 'profile', 'email'],
      use_userinfo: true,
      domains: ['corp.example.test'],
      claim_mapping: { groups: 'groups' },
    });

    fake = await startFakeOidcUpstream({
      sub: 'fake-user-1',
      email: 'fake@example.test',
      email_verified: true,
      name: 'Fake One',
    });
    await registerProvider({
      id: 'fake',
      kind: 'oidc',
      issuer: fake.issuer,
      client_id: fake.clientId,
      client_secret: fake.clientSecret,
      client_ids: [client.client_id],
    });

    octo = await startFakeOAuth2Upstream({
      id: 4242,
      login: 'octocat',
      name: 'Octo Cat',
      email: 'octo@example.test',
    });
    await registerProvider({
      id: 'octo',
      kind: 'oauth2',
      display_name: 'OctoHub',
      authorization_endpoint: `${octo.origin}/login/oauth/authorize`,
      token_endpoint: `${octo.origin}/login/oauth/access_token`,
      userinfo_endpoint: `${octo.origin}/user`,
      client_id: octo.clientId,
      client_secret: octo.clientSecret,
      client_auth_method: 'client_secret_post',
      scopes: ['read:user'],
      subject_claim: 'id',
      claim_mapping: { preferred_username: 'login' },
    });
  });

  afterAll(async () => {
    await upstreamOp?.stop();
    await fake?.close();
    await octo?.close();
    await rp?.close();
    await platform?.stop();
  });

  describe('the registry', () => {
    it('never returns a provider secret, only whether one is stored', async () => {
      const one = await call('GET', '/admin/identity-providers/corp');
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ id: 'corp', kind: 'oidc', client_secret_set: true });
      const list = await call('GET', '/admin/identity-providers');
      for (const text of [one.text, list.text]) {
        expect(text).not.toContain('client_secret"');
        expect(text).not.toContain(fake.clientSecret);
        expect(text).not.toContain(octo.clientSecret);
      }
      expect((list.body.items as unknown[]).length).toBe(3);
    });

    it('refuses an oauth2 provider without its endpoints, and a taken id', async () => {
      const bad = await call('POST', '/admin/identity-providers', {
        id: 'half',
        kind: 'oauth2',
        client_id: 'x',
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toBe('invalid_request');
      const taken = await call('POST', '/admin/identity-providers', {
        id: 'corp',
        kind: 'oidc',
        issuer: upstreamOpIssuer,
        client_id: 'x',
      });
      expect(taken.status).toBe(409);
    });
  });

  describe('OpenID Connect upstream (node-oidc-provider)', () => {
    it('signs in through idp_hint and maps the upstream claims into the ID Token and userinfo', async () => {
      const request = authorizationRequest({ idp_hint: 'corp' });
      const journey = await travel(request.url, rp.redirectUri);
      // Straight to the upstream: no Latchkey login page on the way.
      expect(new URL(journey.trail[1]!).origin).toBe(upstreamOpIssuer);
      const { idToken, userinfo } = await redeem(journey, request.verifier, request.nonce);
      // This upstream names no authentication method: `fed`, as Microsoft Entra ID says it.
      expect(idToken).toMatchObject({ idp: 'corp', amr: ['fed'] });
      expect(userinfo).toMatchObject({
        sub: idToken.sub,
        name: 'Alice Upstream',
        given_name: 'Alice',
        family_name: 'Upstream',
        preferred_username: 'alice.corp',
        email: 'alice@corp.example.test',
        email_verified: true,
      });
      const [succeeded] = await auditEvents('upstream_login.succeeded', idToken.sub!);
      expect(succeeded!.data).toMatchObject({
        identity_provider: 'corp',
        client_id: client.client_id,
        outcome: 'provisioned',
      });
      const [provisioned] = await auditEvents('user.provisioned', idToken.sub!);
      expect(provisioned!.data).toMatchObject({ identity_provider: 'corp' });
      // The upstream's mapped groups are the local user's groups.
      const user = await call('GET', `/admin/users/${idToken.sub}`);
      expect([...(user.body.groups as string[])].sort()).toEqual(['admins', 'engineering']);
    });

    it('offers "Continue with" on the login page, and the same upstream user comes back', async () => {
      const request = authorizationRequest({ prompt: 'login' });
      const first = await travel(request.url, rp.redirectUri);
      expect(first.last?.status).toBe(200);
      const link = /<a class="button provider" href="([^"]+)">Continue with Corporate<\/a>/.exec(
        first.last!.text,
      );
      expect(link).not.toBeNull();
      expect(first.last!.text).not.toContain('Continue with Fake');
      const href = link![1]!.replace(/&amp;/g, '&');
      const journey = await travel(href, rp.redirectUri, first.jars);
      const { idToken } = await redeem(journey, request.verifier, request.nonce);
      expect(idToken.idp).toBe('corp');
      const users = await call('GET', '/admin/users?username=alice.corp');
      expect((users.body.items as { id: string }[]).map((u) => u.id)).toEqual([idToken.sub]);
    });

    it('routes a login_hint in a mapped e-mail domain to its provider (home-realm discovery)', async () => {
      const request = authorizationRequest({ login_hint: 'alice@corp.example.test' });
      const journey = await travel(request.url, rp.redirectUri);
      expect(new URL(journey.trail[1]!).origin).toBe(upstreamOpIssuer);
      expect(journey.callback).toBeDefined();
    });

    it('routes an e-mail typed into the login form to the provider of its domain', async () => {
      const request = authorizationRequest();
      const page = await travel(request.url, rp.redirectUri);
      const form = parseFirstForm(page.last!.text, page.last!.url)!;
      const body = new URLSearchParams();
      for (const field of form.fields) body.append(field.name, field.value);
      body.set('username', 'alice@corp.example.test');
      body.set('password', 'not checked here');
      const jar = page.jars.get(platform.issuer)!;
      const posted = await fetch(form.action, {
        method: 'POST',
        headers: {
          cookie: jar.header(),
          origin: platform.issuer,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: body.toString(),
        redirect: 'manual',
      });
      expect(posted.status).toBe(303);
      const upstream = new URL(posted.headers.get('location')!);
      expect(upstream.origin).toBe(upstreamOpIssuer);
      expect(upstream.searchParams.get('login_hint')).toBe('alice@corp.example.test');
      const journey = await travel(upstream.toString(), rp.redirectUri, page.jars);
      const { idToken } = await redeem(journey, request.verifier, request.nonce);
      expect(idToken).toMatchObject({ idp: 'corp' });
    });

    it('authenticates to the upstream token endpoint with private_key_jwt (RFC 7523)', async () => {
      const registered = await call('POST', '/admin/identity-providers', {
        id: 'corp-jwt',
        kind: 'oidc',
        issuer: upstreamOpIssuer,
        client_id: 'latchkey-jwt',
        client_auth_method: 'private_key_jwt',
        private_jwk: jwtClientKey,
      });
      expect(registered.status).toBe(201);
      expect(registered.body).toMatchObject({ client_secret_set: true });
      // The private key is never shown, whole or in part.
      expect(registered.text).not.toContain(jwtClientKey.d as string);
      try {
        const request = authorizationRequest({ idp_hint: 'corp-jwt' });
        const journey = await travel(request.url, rp.redirectUri);
        // node-oidc-provider only redeems the code for this client with a valid assertion.
        const { idToken, userinfo } = await redeem(journey, request.verifier, request.nonce);
        expect(idToken).toMatchObject({ idp: 'corp-jwt' });
        expect(userinfo).toMatchObject({ email: 'alice@corp.example.test' });

        // A key the upstream does not know: the code exchange is refused, no session.
        const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        const other = { ...privateKey.export({ format: 'jwk' }), kid: 'latchkey-upstream-1' };
        const patched = await call('PATCH', '/admin/identity-providers/corp-jwt', {
          private_jwk: other,
        });
        expect(patched.status).toBe(200);
        const refused = await eventually(
          async () => {
            const retry = authorizationRequest({ idp_hint: 'corp-jwt' });
            const answer = await travel(retry.url, rp.redirectUri);
            return answer.callback ? undefined : answer;
          },
          { what: 'the changed key in use' },
        );
        expect(refused.last?.status).toBe(403);
        const events = await auditEvents('upstream_login.failed', 'corp-jwt');
        expect(events[0]!.data).toMatchObject({ reason: 'token_exchange_failed' });
      } finally {
        await call('DELETE', '/admin/identity-providers/corp-jwt');
      }
    });
  });

  describe('OAuth 2.0 upstream without OpenID Connect (GitHub-style)', () => {
    it('signs in with the profile API, its numeric id the subject', async () => {
      const request = authorizationRequest({ kc_idp_hint: 'octo' });
      const journey = await travel(request.url, rp.redirectUri);
      const { idToken, userinfo } = await redeem(journey, request.verifier, request.nonce);
      expect(idToken).toMatchObject({ idp: 'octo', amr: ['fed'] });
      expect(userinfo).toMatchObject({
        name: 'Octo Cat',
        preferred_username: 'octocat',
        email: 'octo@example.test',
        email_verified: false,
      });
    });
  });

  describe('JIT provisioning and linking', () => {
    it('refreshes mapped attributes at each sign-in', async () => {
      fake.defect = 'none';
      fake.claims = { sub: 'fake-refresh', name: 'Before', email: 'r@example.test' };
      const first = authorizationRequest({ idp_hint: 'fake' });
      const one = await redeem(
        await travel(first.url, rp.redirectUri),
        first.verifier,
        first.nonce,
      );
      expect(one.userinfo.name).toBe('Before');
      fake.claims = {
        sub: 'fake-refresh',
        name: 'After',
        email: 'r@example.test',
        amr: ['pwd', 'otp'],
        acr: 'urn:example:loa:2',
      };
      const second = authorizationRequest({ idp_hint: 'fake', prompt: 'login' });
      const two = await redeem(
        await travel(second.url, rp.redirectUri),
        second.verifier,
        second.nonce,
      );
      expect(two.idToken.sub).toBe(one.idToken.sub);
      expect(two.userinfo.name).toBe('After');
      // The upstream's own amr and acr are recorded in the session and reach the ID Token.
      expect(two.idToken).toMatchObject({
        idp: 'fake',
        amr: ['pwd', 'otp'],
        acr: 'urn:example:loa:2',
      });
    });

    it('links an existing account by verified e-mail only when the provider opts in', async () => {
      const bob = await call('POST', '/admin/users', {
        username: 'bob',
        password: 'bob correct horse battery staple',
        email: 'bob@example.test',
        email_verified: true,
      });
      const claims = { email: 'bob@example.test', email_verified: true, name: 'Bob' };
      fake.defect = 'none';
      fake.claims = { sub: 'fake-bob', ...claims };
      const plain = authorizationRequest({ idp_hint: 'fake' });
      const notLinked = await redeem(
        await travel(plain.url, rp.redirectUri),
        plain.verifier,
        plain.nonce,
      );
      expect(notLinked.idToken.sub).not.toBe(bob.body.id);
      // Two accounts with one verified e-mail would make the rule's choice a guess (refused).
      expect((await call('DELETE', `/admin/users/${notLinked.idToken.sub}`)).status).toBe(204);

      const patched = await call('PATCH', '/admin/identity-providers/fake', {
        link_by_verified_email: true,
      });
      expect(patched.status).toBe(200);
      fake.claims = { sub: 'fake-bob-2', ...claims };
      const opted = authorizationRequest({ idp_hint: 'fake', prompt: 'login' });
      const linked = await redeem(
        await travel(opted.url, rp.redirectUri),
        opted.verifier,
        opted.nonce,
      );
      expect(linked.idToken.sub).toBe(bob.body.id);
      const [event] = await auditEvents('user.linked', bob.body.id as string);
      expect(event!.data).toMatchObject({ identity_provider: 'fake' });
      await call('PATCH', '/admin/identity-providers/fake', { link_by_verified_email: false });
    });
  });

  describe('upstream failures: the error page, an audit event, no session', () => {
    const expectRefused = async (journey: Journey, status: number) => {
      expect(journey.callback).toBeUndefined();
      expect(journey.last?.status).toBe(status);
      expect(journey.last?.contentType).toMatch(/^text\/html/);
      expect(journey.last?.text).toContain(
        status === 503 ? 'temporarily_unavailable' : 'access_denied',
      );
      const latchkey = journey.jars.get(platform.issuer);
      expect(latchkey?.names()).not.toContain(SESSION_COOKIE);
    };

    const failureReasons = async (providerId: string, count: number) => {
      const events = await auditEvents('upstream_login.failed', providerId, count);
      return events.map((e) => (e.data as Record<string, unknown>).reason);
    };

    const defects: [IdTokenDefect, string][] = [
      ['nonce', 'nonce_mismatch'],
      ['issuer', 'issuer_mismatch'],
      ['audience', 'audience_mismatch'],
      ['signature', 'signature_invalid'],
      ['expired', 'id_token_expired'],
      ['iss_parameter', 'issuer_mismatch'],
    ];

    it.each(defects)('an ID Token with a wrong %s', async (defect, reason) => {
      fake.defect = defect;
      fake.claims = { sub: `fake-${defect}`, name: 'Nobody' };
      const before = (await call('GET', '/admin/audit?type=upstream_login.failed&subject=fake'))
        .body.items as unknown[];
      const request = authorizationRequest({ idp_hint: 'fake' });
      await expectRefused(await travel(request.url, rp.redirectUri), 403);
      const reasons = await failureReasons('fake', before.length + 1);
      expect(reasons[0]).toBe(reason);
      // Nothing was provisioned for the refused identity.
      const users = await call('GET', '/admin/users?limit=100');
      expect(JSON.stringify(users.body)).not.toContain(`fake-${defect}`);
      fake.defect = 'none';
    });

    it('a callback with a state this browser never sent', async () => {
      fake.defect = 'none';
      const before = (await call('GET', '/admin/audit?type=upstream_login.failed&subject=fake'))
        .body.items as unknown[];
      const request = authorizationRequest({ prompt: 'login' });
      const page = await travel(request.url, rp.redirectUri);
      const forged = `${platform.issuer}/login/upstream/fake/callback?state=${randomToken()}&code=x`;
      await expectRefused(await travel(forged, rp.redirectUri, page.jars), 403);
      // Wait for this refusal's own event: in distributed mode it reaches the log a moment later.
      const reasons = await failureReasons('fake', before.length + 1);
      expect(reasons[0]).toBe('state_invalid');
    });

    it('an upstream that cannot be reached', async () => {
      const closed = await freePort();
      await registerProvider({
        id: 'down',
        kind: 'oidc',
        issuer: `http://127.0.0.1:${closed}`,
        client_id: 'latchkey',
        client_ids: [client.client_id],
      });
      const request = authorizationRequest({ idp_hint: 'down' });
      await expectRefused(await travel(request.url, rp.redirectUri), 503);
      const [event] = await auditEvents('upstream_login.failed', 'down');
      expect(event!.data).toMatchObject({ identity_provider: 'down', reason: 'unreachable' });
    });
  });
}

describe.each(PLATFORM_MODES)(
  'identity providers: upstream OpenID Connect and OAuth 2.0 sign-in: %s mode',
  (mode) => {
    if (mode === 'distributed') {
      describeWithBackends(distributedBackends(), 'four processes', () => suite(mode));
    } else {
      suite(mode);
    }
  },
);
