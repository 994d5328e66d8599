import { describeWithBackends } from '@latchkey/testing';
import { randomBytes } from 'node:crypto';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import { createServer, type AddressInfo } from 'node:net';
import { startCallbackServer, type CallbackServer } from './support/callback-server';
import {
  downstreamAuthorizationRequest,
  redeemDownstreamCode,
  type DownstreamRequest,
} from './support/downstream-client';
import { parseFirstForm, type HtmlForm } from './support/html-form';
import { callPlatform, ownLoopbackAddress, type CallAnswer } from './support/http-call';
import {
  distributedBackends,
  PLATFORM_MODES,
  startPlatform,
  type Platform,
  type PlatformMode,
} from './support/platform';
import { eventually } from './support/processes';
import { startSlapd, type Slapd } from './support/upstream/slapd';
import { CookieJar } from './support/user-agent';

/**
 * Signing in against an LDAP directory (docs/identity-providers.md): a real OpenLDAP `slapd`
 * started by the test on loopback (its own configuration, certificates and entries; the memberof
 * overlay), registered as an `ldap` provider. The login form's password is checked by the
 * directory; the entry's attributes and groups reach the ID Token, userinfo and the local user;
 * a wrong password is the ordinary login failure under the same limits; a directory that is down
 * ends on the error page with an audit event and no session. Over ldaps:// with memberOf, and
 * over ldap:// with StartTLS and a group search. In both run modes (distributed: the built
 * services, `npm run build` first).
 */
const SESSION_COOKIE = 'latchkey_session';
/**
 * Usernames of this run: the failed-login counters live in the shared Redis in distributed mode
 * and outlast a run (an account refused once stays refused for the window).
 */
const RUN = randomBytes(4).toString('hex');
const ADA = {
  uid: `ada-${RUN}`,
  password: 'Analytical-Engine-1843',
  cn: 'Ada Lovelace',
  sn: 'Lovelace',
};
const GRACE = {
  uid: `grace-${RUN}`,
  password: 'Compiler-A0-1952',
  cn: 'Grace Hopper',
  sn: 'Hopper',
};

interface FormSignIn {
  /** The redirect to the client (code, state, iss), when the flow got there. */
  callback?: URL;
  /** The last answer otherwise (the login page again, or an error page). */
  last?: { status: number; text: string; contentType: string };
  jar: CookieJar;
}

function suite(mode: PlatformMode): void {
  jest.setTimeout(240_000);

  let platform: Platform;
  let adminToken: string;
  let slapd: Slapd;
  /** The browser's own loopback address: the per-address login counter is this run's alone. */
  let fromOwnAddress: Agent;
  let rp: CallbackServer;
  /** Offered the ldaps:// directory (memberOf). */
  let app: { client_id: string; client_secret: string };
  /** Offered the StartTLS directory (group search). */
  let intranet: { client_id: string; client_secret: string };

  const call = (method: string, route: string, json?: unknown): Promise<CallAnswer> =>
    callPlatform(platform.issuer, method, route, { token: adminToken, json });

  const registerClient = async (name: string) => {
    const created = await call('POST', '/admin/clients', {
      client_name: name,
      redirect_uris: [rp.redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid profile email groups',
      skip_consent: true,
    });
    if (created.status !== 201) throw new Error(`client: ${created.status} ${created.text}`);
    return created.body as { client_id: string; client_secret: string };
  };

  const directory = (extra: Record<string, unknown> = {}) => ({
    url: slapd.ldapsUrl,
    tls_ca: slapd.caPem,
    bind_dn: slapd.serviceDn,
    user_search_base: `ou=people,${slapd.suffix}`,
    user_search_filter: '(&(objectClass=inetOrgPerson)(uid={username}))',
    timeout_ms: 3000,
    ...extra,
  });

  /** The authorization request, the login form filled in and posted, redirects followed. */
  const signIn = async (
    client: { client_id: string; client_secret: string },
    username: string,
    password: string,
  ): Promise<FormSignIn & Omit<DownstreamRequest, 'url'>> => {
    const request = downstreamAuthorizationRequest(
      platform.issuer,
      { ...client, redirect_uri: rp.redirectUri },
      'openid profile email groups',
    );
    const { verifier, nonce } = request;
    const jar = new CookieJar();
    let method: 'GET' | 'POST' = 'GET';
    let target = request.url;
    let body: URLSearchParams | undefined;
    for (let hop = 0; hop < 10; hop++) {
      const cookie = jar.header();
      const res = await undiciFetch(target, {
        dispatcher: fromOwnAddress,
        method,
        headers: {
          accept: 'text/html',
          ...(cookie ? { cookie } : {}),
          ...(body
            ? { 'content-type': 'application/x-www-form-urlencoded', origin: platform.issuer }
            : {}),
        },
        body: body?.toString(),
        redirect: 'manual',
        signal: AbortSignal.timeout(20_000),
      });
      jar.store(res.headers as unknown as Headers);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        const next = new URL(location, target);
        if (next.toString().startsWith(rp.redirectUri)) {
          return { callback: next, jar, verifier, nonce };
        }
        [method, target, body] = ['GET', next.toString(), undefined];
        continue;
      }
      const text = await res.text();
      const form: HtmlForm | undefined =
        method === 'GET' && res.status === 200 ? parseFirstForm(text, target) : undefined;
      if (!form || !form.fields.some((f) => f.name === 'password')) {
        const contentType = res.headers.get('content-type') ?? '';
        return { last: { status: res.status, text, contentType }, jar, verifier, nonce };
      }
      body = new URLSearchParams();
      for (const field of form.fields) body.append(field.name, field.value);
      body.set('username', username);
      body.set('password', password);
      [method, target] = ['POST', form.action];
    }
    throw new Error('too many hops');
  };

  /** The code exchanged at /token; the ID Token verified with Latchkey's keys; userinfo. */
  const redeem = (
    client: { client_id: string; client_secret: string },
    flow: FormSignIn & Omit<DownstreamRequest, 'url'>,
  ) => {
    if (!flow.callback) {
      throw new Error(`no callback: ${flow.last?.status} ${flow.last?.text.slice(0, 400)}`);
    }
    return redeemDownstreamCode(
      platform.issuer,
      { ...client, redirect_uri: rp.redirectUri },
      flow.callback,
      flow,
    );
  };

  /** Audit events of a type, once delivered (the outbox relays asynchronously). */
  const auditEvents = (
    type: string,
    match: (data: Record<string, unknown>) => boolean,
    count = 1,
  ) =>
    eventually(
      async () => {
        const answer = await call('GET', `/admin/audit?type=${type}&limit=200`);
        const items = ((answer.body.items ?? []) as { data?: Record<string, unknown> }[]).filter(
          (e) => match(e.data ?? {}),
        );
        return items.length >= count ? items : undefined;
      },
      { what: `${count} ${type} event(s)`, timeoutMs: 30_000 },
    );

  beforeAll(async () => {
    // undici reads the local address from each connection's options, not the Agent's.
    const connector = buildConnector({});
    const localAddress = ownLoopbackAddress();
    fromOwnAddress = new Agent({ connect: (opts, cb) => connector({ ...opts, localAddress }, cb) });
    slapd = await startSlapd({
      users: [
        { ...ADA, mail: 'ada@corp.example.test', givenName: 'Ada' },
        { ...GRACE, mail: 'grace@corp.example.test' },
      ],
      groups: [
        { cn: 'engineers', members: [ADA.uid, GRACE.uid] },
        { cn: 'analysts', members: [ADA.uid] },
      ],
    });
    platform = await startPlatform(mode, { OUTBOUND_ALLOWED_CIDRS: '127.0.0.0/8' });
    const { id, secret } = platform.adminClient;
    const token = await callPlatform(platform.issuer, 'POST', '/token', {
      basic: { id, secret },
      form: { grant_type: 'client_credentials' },
    });
    adminToken = token.body.access_token as string;
    rp = await startCallbackServer();
    app = await registerClient('Downstream app');
    intranet = await registerClient('Intranet');
  });

  afterAll(async () => {
    await fromOwnAddress?.close();
    await slapd?.dispose();
    await rp?.close();
    await platform?.stop();
  });

  describe('the registry', () => {
    it('stores a directory with its bind password sealed, never shown', async () => {
      const created = await call('POST', '/admin/identity-providers', {
        id: 'corp-ldap',
        kind: 'ldap',
        display_name: 'Corporate directory',
        client_ids: [app.client_id],
        bind_password: slapd.servicePassword,
        ldap: directory(),
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        id: 'corp-ldap',
        kind: 'ldap',
        client_id: null,
        client_secret_set: true,
        subject_claim: 'entryUUID',
        claim_mapping: { email: 'mail', name: 'cn', preferred_username: 'uid', groups: 'memberOf' },
        ldap: {
          url: slapd.ldapsUrl,
          start_tls: false,
          group_search_base: null,
          timeout_ms: 3000,
        },
      });
      const fetched = await call('GET', '/admin/identity-providers/corp-ldap');
      expect(fetched.status).toBe(200);
      for (const text of [created.text, fetched.text]) {
        expect(text).not.toContain(slapd.servicePassword);
        expect(text).not.toContain('bind_password');
      }
      const startTls = await call('POST', '/admin/identity-providers', {
        id: 'intranet-ldap',
        kind: 'ldap',
        client_ids: [intranet.client_id],
        bind_password: slapd.servicePassword,
        ldap: directory({
          url: slapd.ldapUrl,
          start_tls: true,
          group_search_base: `ou=groups,${slapd.suffix}`,
          group_search_filter: '(&(objectClass=groupOfNames)(member={dn}))',
        }),
        claim_mapping: { groups: null },
      });
      expect(startTls.status).toBe(201);
    });

    it.each([
      ['plain ldap:// without StartTLS', { ldap: { url: 'ldap://127.0.0.1:389' } }, /start_tls/],
      ['a client secret', { client_secret: 'x' }, /client_secret does not apply/],
      ['an issuer', { issuer: 'https://idp.example.test' }, /issuer does not apply/],
      ['a filter without {username}', { ldap: { user_search_filter: '(uid=x)' } }, /username/],
      ['a malformed filter', { ldap: { user_search_filter: '(uid={username}' } }, /RFC 4515/],
    ])('refuses %s (400 invalid_request)', async (_what, change, message) => {
      const base = {
        id: 'bad-ldap',
        kind: 'ldap',
        bind_password: 'x',
        ldap: directory(),
      };
      const body = {
        ...base,
        ...change,
        ldap: { ...base.ldap, ...((change as { ldap?: object }).ldap ?? {}) },
      };
      const answer = await call('POST', '/admin/identity-providers', body);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_request');
      expect(answer.body.error_description).toMatch(message);
    });
  });

  describe('signing in with the directory password', () => {
    it('ldaps:// and memberOf: tokens carry the mapped profile, groups and idp', async () => {
      const flow = await signIn(app, ADA.uid, ADA.password);
      expect(flow.callback?.searchParams.get('iss')).toBe(platform.issuer);
      const { idToken, userinfo } = await redeem(app, flow);
      expect(idToken).toMatchObject({ idp: 'corp-ldap', amr: ['pwd'] });
      expect(userinfo).toMatchObject({
        sub: idToken.sub,
        name: 'Ada Lovelace',
        given_name: 'Ada',
        family_name: 'Lovelace',
        preferred_username: ADA.uid,
        email: 'ada@corp.example.test',
      });
      expect([...(userinfo.groups as string[])].sort()).toEqual(['analysts', 'engineers']);
      // The mapped groups are the local user's groups.
      const user = await call('GET', `/admin/users/${idToken.sub}`);
      expect([...(user.body.groups as string[])].sort()).toEqual(['analysts', 'engineers']);
      const [succeeded] = await auditEvents(
        'upstream_login.succeeded',
        (d) => d.sub === idToken.sub,
      );
      expect(succeeded!.data).toMatchObject({
        identity_provider: 'corp-ldap',
        client_id: app.client_id,
        outcome: 'provisioned',
      });

      // The same entry again: the same local user (linked by entryUUID), groups kept fresh.
      const again = await redeem(app, await signIn(app, ADA.uid, ADA.password));
      expect(again.idToken.sub).toBe(idToken.sub);
      const [signedIn] = await auditEvents(
        'upstream_login.succeeded',
        (d) => d.sub === idToken.sub && d.outcome === 'signed_in',
      );
      expect(signedIn).toBeDefined();
    });

    it('ldap:// with StartTLS and a group search', async () => {
      const { idToken, userinfo } = await redeem(
        intranet,
        await signIn(intranet, GRACE.uid, GRACE.password),
      );
      expect(idToken).toMatchObject({ idp: 'intranet-ldap', amr: ['pwd'] });
      expect(userinfo).toMatchObject({ name: 'Grace Hopper', email: 'grace@corp.example.test' });
      expect(userinfo.groups).toEqual(['engineers']);
    });

    it('answers a wrong password with the login form again, audited, without a session', async () => {
      const flow = await signIn(app, ADA.uid, 'not-the-password');
      expect(flow.callback).toBeUndefined();
      expect(flow.last?.status).toBe(400);
      expect(flow.last?.text).toContain('The username or password is not correct.');
      expect(flow.jar.names()).not.toContain(SESSION_COOKIE);
      const [failed] = await auditEvents(
        'login.failed',
        (d) => d.identity_provider === 'corp-ldap',
      );
      expect(failed!.data).toMatchObject({
        client_id: app.client_id,
        reason: 'invalid_credentials',
      });
      expect(JSON.stringify(failed)).not.toContain('not-the-password');
      // A username no directory has is the same failure.
      const unknown = await signIn(app, `nobody-${RUN}*)(uid=*`, 'whatever');
      expect(unknown.last?.status).toBe(400);
      // An empty password is refused (LDAP would take it for an anonymous bind).
      const empty = await signIn(app, ADA.uid, '');
      expect(empty.last?.status).toBe(400);
      expect(empty.jar.names()).not.toContain(SESSION_COOKIE);
    });

    it('counts wrong directory passwords toward the account limit (then 429)', async () => {
      for (let i = 0; i < 5; i++) {
        const flow = await signIn(intranet, GRACE.uid, `wrong-${i}`);
        expect(flow.last?.status).toBe(400);
      }
      const refused = await signIn(intranet, GRACE.uid, GRACE.password);
      expect(refused.callback).toBeUndefined();
      expect(refused.last?.status).toBe(429);
      expect(refused.jar.names()).not.toContain(SESSION_COOKIE);
    });
  });

  describe('a directory that is down', () => {
    it('gives up on a directory that accepts the connection but never answers (503)', async () => {
      const silent = createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const port = (silent.address() as AddressInfo).port;
      try {
        const registered = await call('POST', '/admin/identity-providers', {
          id: 'silent-ldap',
          kind: 'ldap',
          client_ids: [intranet.client_id],
          bind_password: 'unused',
          ldap: directory({ url: `ldaps://127.0.0.1:${port}`, timeout_ms: 1000 }),
        });
        expect(registered.status).toBe(201);
        // The intranet directory has no such user, so the silent one is asked next.
        const flow = await signIn(intranet, `nobody-${RUN}`, 'whatever');
        expect(flow.last?.status).toBe(503);
        expect(flow.jar.names()).not.toContain(SESSION_COOKIE);
        const [failed] = await auditEvents(
          'upstream_login.failed',
          (d) => d.identity_provider === 'silent-ldap',
        );
        expect(failed!.data).toMatchObject({ reason: 'unreachable' });
      } finally {
        await call('DELETE', '/admin/identity-providers/silent-ldap');
        silent.close();
      }
    });

    it('ends on the error page (503) with an audit event, never a session', async () => {
      await slapd.stop();
      const flow = await signIn(app, ADA.uid, ADA.password);
      expect(flow.callback).toBeUndefined();
      expect(flow.last?.status).toBe(503);
      expect(flow.last?.contentType).toMatch(/^text\/html/);
      expect(flow.last?.text).toContain('temporarily_unavailable');
      expect(flow.last?.text).not.toContain(slapd.ldapsUrl);
      expect(flow.jar.names()).not.toContain(SESSION_COOKIE);
      const [failed] = await auditEvents(
        'upstream_login.failed',
        (d) => d.identity_provider === 'corp-ldap',
      );
      expect(failed!.data).toMatchObject({
        identity_provider: 'corp-ldap',
        client_id: app.client_id,
        reason: 'unreachable',
      });
    });
  });
}

describe.each(PLATFORM_MODES)('identity providers: LDAP directory sign-in: %s mode', (mode) => {
  if (mode === 'distributed') {
    describeWithBackends(distributedBackends(), 'four processes', () => suite(mode));
  } else {
    suite(mode);
  }
});
