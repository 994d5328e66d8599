import { expect } from '@jest/globals';
import { computeS256Challenge, randomToken } from '@latchkey/oauth';
import { decodeJwt } from 'jose';
import { callPlatform, type CallAnswer, type CallOptions } from './support/http-call';
import { describeEachMode } from './support/platform';
import { freePort } from './support/processes';
import { loopbackRedirectUri } from './support/provisioning';
import { HeadlessUserAgent } from './support/user-agent';
import { CliHarness } from '../apps/cli/src/fixtures/cli-harness';

/**
 * Roles, groups, attributes and claims (docs/architecture.md §7): a claim scope releases its
 * mapped claims at userinfo, and in the ID Token for a client that asks; access tokens carry the
 * user's roles for their audience and, with the `groups` scope, their groups; the `claims`
 * request parameter picks granted claims for the ID Token and constrains values; the admin API
 * refuses bad input with a 400 that says why.
 */
jest.setTimeout(180_000);

const ORDERS = 'https://orders.example.test';
const SCOPES =
  'openid profile email groups user_profile additional_info orders:read offline_access';

interface Client {
  client_id: string;
  client_secret: string;
  redirect_uri: string;
}

describeEachMode('roles, groups, attributes and claims', (platform) => {
  let adminToken = '';
  let agent: HeadlessUserAgent;
  let userId = '';
  /** id_token_claims unset: the ID Token carries only what the claims parameter asks for. */
  let plain: Client;
  /** id_token_claims: true. */
  let rich: Client;

  const call = (method: string, route: string, options: CallOptions = {}): Promise<CallAnswer> =>
    callPlatform(platform().issuer, method, route, options);
  const admin = (method: string, route: string, json?: unknown): Promise<CallAnswer> =>
    call(method, route, { token: adminToken, ...(json === undefined ? {} : { json }) });

  async function createClient(extra: Record<string, unknown>): Promise<Client> {
    const redirectUri = loopbackRedirectUri(await freePort());
    const answer = await admin('POST', '/admin/clients', {
      client_name: 'Claims app',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: SCOPES,
      ...extra,
    });
    expect(answer.status).toBe(201);
    return {
      client_id: answer.body.client_id as string,
      client_secret: answer.body.client_secret as string,
      redirect_uri: redirectUri,
    };
  }

  /** The code flow with PKCE through login and consent, with extra authorization parameters. */
  async function tokensFor(client: Client, params: Record<string, string>) {
    const verifier = randomToken(32);
    const url = new URL(`${platform().issuer}/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: client.redirect_uri,
      state: randomToken(16),
      nonce: randomToken(16),
      code_challenge: computeS256Challenge(verifier),
      code_challenge_method: 'S256',
      ...params,
    }).toString();
    const callback = await agent.authorize(url, { redirectUri: client.redirect_uri });
    const code = callback.searchParams.get('code');
    if (!code) throw new Error(`no code: ${callback.toString()}`);
    const answer = await call('POST', '/token', {
      basic: { id: client.client_id, secret: client.client_secret },
      form: {
        grant_type: 'authorization_code',
        code,
        redirect_uri: client.redirect_uri,
        code_verifier: verifier,
      },
    });
    expect(answer.status).toBe(200);
    return answer.body as { access_token: string; id_token?: string; refresh_token?: string };
  }

  beforeAll(async () => {
    const { adminClient } = platform();
    const token = await call('POST', '/token', {
      basic: adminClient,
      form: { grant_type: 'client_credentials' },
    });
    adminToken = token.body.access_token as string;
    expect(
      (
        await admin('POST', '/admin/resources', {
          identifier: ORDERS,
          name: 'Orders',
          scopes: ['orders:read'],
          roles: ['clerk', 'manager'],
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await admin('POST', '/admin/claim-scopes', {
          name: 'user_profile',
          description: 'Your department and employee number',
          claims: { department: 'department', employee_number: 'employee_id' },
          public: true,
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await admin('POST', '/admin/claim-scopes', {
          name: 'additional_info',
          claims: { favorite_color: 'favorite_color' },
        })
      ).status,
    ).toBe(201);
    const password = 'erin correct horse battery staple';
    const user = await admin('POST', '/admin/users', {
      username: 'erin',
      password,
      email: 'erin@example.test',
      email_verified: true,
      name: 'Erin Example',
      groups: ['engineering', 'admins'],
      roles: ['auditor'],
      resource_roles: { [ORDERS]: ['clerk'] },
      attributes: {
        department: 'Finance',
        employee_id: 'E-42',
        favorite_color: 'teal',
        nickname: 'Ern',
      },
    });
    expect(user.status).toBe(201);
    expect(user.body).toMatchObject({
      groups: ['engineering', 'admins'],
      roles: ['auditor'],
      resource_roles: { [ORDERS]: ['clerk'] },
      attributes: { department: 'Finance', nickname: 'Ern' },
    });
    userId = user.body.id as string;
    agent = new HeadlessUserAgent({ username: 'erin', password });
    plain = await createClient({});
    rich = await createClient({ id_token_claims: true });
  });

  it('releases a claim scope’s mapped claims at userinfo, and in the ID Token only when the client asks', async () => {
    const scope = 'openid profile email user_profile additional_info';
    const tokens = await tokensFor(plain, { scope });
    const info = await call('GET', '/userinfo', { token: tokens.access_token });
    expect(info.status).toBe(200);
    expect(info.body).toEqual({
      sub: userId,
      name: 'Erin Example',
      nickname: 'Ern',
      preferred_username: 'erin',
      updated_at: expect.any(Number),
      email: 'erin@example.test',
      email_verified: true,
      department: 'Finance',
      employee_number: 'E-42',
      favorite_color: 'teal',
    });
    const plainIdToken = decodeJwt(tokens.id_token!);
    expect(plainIdToken).not.toHaveProperty('email');
    expect(plainIdToken).not.toHaveProperty('department');

    const richIdToken = decodeJwt((await tokensFor(rich, { scope })).id_token!);
    expect(richIdToken).toMatchObject({
      sub: userId,
      email: 'erin@example.test',
      name: 'Erin Example',
      department: 'Finance',
      employee_number: 'E-42',
      favorite_color: 'teal',
    });
  });

  it('puts the user’s roles for the audience in an API’s token, and groups only with the groups scope', async () => {
    const forApi = await tokensFor(plain, { scope: 'openid orders:read groups', resource: ORDERS });
    expect(decodeJwt(forApi.access_token)).toMatchObject({
      // With openid the token also names the userinfo endpoint (docs/architecture.md §3).
      aud: [ORDERS, `${platform().issuer}/userinfo`],
      roles: ['auditor', 'clerk'],
      groups: ['engineering', 'admins'],
    });
    const forIssuer = decodeJwt((await tokensFor(plain, { scope: 'openid profile' })).access_token);
    expect(forIssuer.roles).toEqual(['auditor']);
    expect(forIssuer).not.toHaveProperty('groups');
    const info = await call('GET', '/userinfo', {
      token: (await tokensFor(plain, { scope: 'openid groups' })).access_token,
    });
    expect(info.body).toEqual({ sub: userId, groups: ['engineering', 'admins'] });
  });

  it('stops issuing a role its resource no longer defines, at the next refresh', async () => {
    const tokens = await tokensFor(rich, {
      scope: 'openid orders:read offline_access',
      resource: ORDERS,
      prompt: 'consent',
    });
    expect(tokens.refresh_token).toBeDefined();
    const patched = await admin('PATCH', `/admin/resources/${encodeURIComponent(ORDERS)}`, {
      roles: ['manager'],
    });
    expect(patched.status).toBe(200);
    const refreshed = await call('POST', '/token', {
      basic: { id: rich.client_id, secret: rich.client_secret },
      form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
    });
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(refreshed.body.access_token as string).roles).toEqual(['auditor']);
    await admin('PATCH', `/admin/resources/${encodeURIComponent(ORDERS)}`, {
      roles: ['clerk', 'manager'],
    });
  });

  it('honours the claims parameter: granted claims into the ID Token, value constraints at userinfo', async () => {
    const claims = JSON.stringify({
      id_token: { department: { essential: true }, email: null, phone_number: null },
      userinfo: { favorite_color: { value: 'red' } },
    });
    const tokens = await tokensFor(plain, {
      scope: 'openid email user_profile additional_info',
      claims,
    });
    const idToken = decodeJwt(tokens.id_token!);
    expect(idToken).toMatchObject({ department: 'Finance', email: 'erin@example.test' });
    // Not granted (no phone scope, and no value): never released.
    expect(idToken).not.toHaveProperty('phone_number');
    expect(idToken).not.toHaveProperty('employee_number');
    const info = await call('GET', '/userinfo', { token: tokens.access_token });
    expect(info.body).toMatchObject({ department: 'Finance', employee_number: 'E-42' });
    expect(info.body).not.toHaveProperty('favorite_color');
  });

  it('refuses a malformed claims parameter with an invalid_request redirect', async () => {
    const url = new URL(`${platform().issuer}/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: plain.client_id,
      redirect_uri: plain.redirect_uri,
      scope: 'openid',
      state: 'st',
      code_challenge: computeS256Challenge(randomToken()),
      code_challenge_method: 'S256',
      claims: '{"id_token": [1]}',
    }).toString();
    const answer = await fetch(url, { redirect: 'manual' });
    expect(answer.status).toBe(303);
    const location = new URL(answer.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/claims\.id_token/);
  });

  it('advertises the claims parameter, public claim scopes and their claims in discovery', async () => {
    const discovery = await call('GET', '/.well-known/openid-configuration');
    expect(discovery.body.claims_parameter_supported).toBe(true);
    expect(discovery.body.scopes_supported).toEqual(
      expect.arrayContaining(['openid', 'groups', 'user_profile']),
    );
    expect(discovery.body.scopes_supported).not.toContain('additional_info');
    expect(discovery.body.claims_supported).toEqual(
      expect.arrayContaining(['groups', 'department', 'employee_number', 'nickname']),
    );
  });

  it('refuses bad groups, roles, attributes and mappings with a 400 that says why', async () => {
    const cases: Array<[string, string, unknown, RegExp]> = [
      [
        'POST',
        '/admin/users',
        { username: 'x1', password: 'long enough pw', groups: 'eng' },
        /^groups must be a list/,
      ],
      [
        'POST',
        '/admin/users',
        { username: 'x2', password: 'long enough pw', roles: ['a b'] },
        /^roles\[0\] must be 1 to 128/,
      ],
      [
        'PATCH',
        `/admin/users/${userId}`,
        { resource_roles: { [ORDERS]: ['owner'] } },
        /role owner is not defined/,
      ],
      [
        'PATCH',
        `/admin/users/${userId}`,
        { resource_roles: { 'https://nowhere.example.test': ['clerk'] } },
        /not a registered resource/,
      ],
      [
        'PATCH',
        `/admin/users/${userId}`,
        { attributes: { '9lives': 'x' } },
        /^attributes name #1 must be a letter/,
      ],
      [
        'PATCH',
        `/admin/users/${userId}`,
        { attributes: { nested: { a: 1 } } },
        /^attributes\.nested must be a string/,
      ],
      [
        'POST',
        '/admin/claim-scopes',
        { name: 'forge', claims: { sub: 'employee_id' } },
        /^claims\.sub is a protocol or standard claim$/,
      ],
      [
        'POST',
        '/admin/claim-scopes',
        { name: 'profile', claims: { x: 'y' } },
        /^name is the reserved scope profile$/,
      ],
      [
        'POST',
        '/admin/resources',
        { identifier: 'https://r.example.test', name: 'R', roles: ['a', 'a'] },
        /^roles\[1\] repeats/,
      ],
    ];
    for (const [method, route, json, message] of cases) {
      const answer = await admin(method, route, json);
      expect({ route, status: answer.status, error: answer.body.error }).toEqual({
        route,
        status: 400,
        error: 'invalid_request',
      });
      expect(answer.body.error_description).toMatch(message);
    }
    const unchanged = await admin('GET', `/admin/users/${userId}`);
    expect(unchanged.body.resource_roles).toEqual({ [ORDERS]: ['clerk'] });
  });

  it('merges attribute patches (null removes one) and replaces group and role lists', async () => {
    const patched = await admin('PATCH', `/admin/users/${userId}`, {
      attributes: { favorite_color: null, locale: 'en-GB' },
      groups: ['engineering'],
    });
    expect(patched.status).toBe(200);
    expect(patched.body.attributes).toEqual({
      department: 'Finance',
      employee_id: 'E-42',
      nickname: 'Ern',
      locale: 'en-GB',
    });
    expect(patched.body.groups).toEqual(['engineering']);
  });

  it('records user changes in the audit trail, naming the fields but never their values', async () => {
    // Delivery from the outbox is asynchronous (docs/architecture.md §6): wait for it.
    let items: Array<Record<string, unknown>> = [];
    for (let attempt = 0; attempt < 60 && items.length === 0; attempt++) {
      const events = await admin('GET', `/admin/audit?type=user.updated&subject=${userId}`);
      items = (events.body.items as Array<Record<string, unknown>> | undefined) ?? [];
      if (items.length === 0) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(items.length).toBeGreaterThan(0);
    const changed = items.map((event) => (event.data as { changed?: string[] }).changed);
    expect(changed).toContainEqual(['attributes', 'groups']);
    expect(JSON.stringify(items)).not.toContain('en-GB');
  });

  it('manages users, their roles and groups with the CLI', async () => {
    const cli = new CliHarness();
    try {
      const { adminClient } = platform();
      expect((await cli.login(platform().issuer, adminClient.id, adminClient.secret)).code).toBe(0);
      const json = async (argv: string[], stdin?: string) => {
        const result = await cli.run([...argv, '--output', 'json'], { stdin });
        expect({ argv, code: result.code, stderr: result.stderr }).toEqual({
          argv,
          code: 0,
          stderr: '',
        });
        return JSON.parse(result.stdout) as Record<string, unknown>;
      };

      const created = await json(
        [
          'users',
          'create',
          'carol',
          '--password-stdin',
          '--email',
          'carol@example.test',
          '--group',
          'eng',
          '--attribute',
          'department=Ops',
        ],
        'carol correct horse battery staple\n',
      );
      const id = created.id as string;
      expect(created).toMatchObject({
        username: 'carol',
        groups: ['eng'],
        attributes: { department: 'Ops' },
      });

      await json(['roles', 'add', id, 'clerk', '--resource', ORDERS]);
      await json(['roles', 'add', id, 'auditor']);
      const roles = await json(['roles', 'list', id]);
      expect(roles.items).toEqual([
        { role: 'auditor', resource: '(global)' },
        { role: 'clerk', resource: ORDERS },
      ]);
      await json(['groups', 'add', id, 'admins']);
      const groups = await json(['groups', 'remove', id, 'eng']);
      expect(groups.groups).toEqual(['admins']);

      const updated = await json([
        'users',
        'update',
        id,
        '--attribute',
        'level=3',
        '--remove-attribute',
        'department',
      ]);
      expect(updated.attributes).toEqual({ level: 3 });
      const listed = await json(['users', 'list', '--username', 'CAROL']);
      expect((listed.items as Array<{ id: string }>).map((u) => u.id)).toEqual([id]);
      expect(await json(['users', 'show', id])).toMatchObject({ id, roles: ['auditor'] });
      expect(await json(['users', 'disable', id])).toMatchObject({ id, disabled: true });

      const refused = await cli.run(['roles', 'add', id, 'owner', '--resource', ORDERS]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/role owner is not defined/);
      const noPassword = await cli.run(['users', 'create', 'dave']);
      expect(noPassword.code).toBe(2);
    } finally {
      cli.cleanup();
    }
  });
});
