import { expect } from '@jest/globals';
import { runCodeFlow } from './support/code-flow';
import { callPlatform, type CallAnswer, type CallOptions } from './support/http-call';
import { describeEachMode } from './support/platform';
import { freePort } from './support/processes';
import { loopbackRedirectUri, PlatformAdmin, type TestClient } from './support/provisioning';
import { HeadlessUserAgent } from './support/user-agent';

/**
 * An access token lives no longer than its client: once a client is disabled or deleted, the
 * admin API, userinfo and introspection refuse its tokens on the very next request, the
 * platform's own admin client included (docs/architecture.md §2.3).
 */
jest.setTimeout(120_000);

const ORDERS = 'https://orders.example.test';
const INACTIVE = { active: false };

interface Credentials {
  id: string;
  secret: string;
}

describeEachMode('tokens of a disabled or deleted client', (platform) => {
  let adminToken = '';
  let admin: PlatformAdmin;
  let agent: HeadlessUserAgent;
  /** The resource server of ORDERS, which introspects the tokens sent to it. */
  let api: Credentials;

  const call = (method: string, route: string, options: CallOptions = {}): Promise<CallAnswer> =>
    callPlatform(platform().issuer, method, route, options);

  async function clientCredentials(client: Credentials): Promise<string> {
    const answer = await call('POST', '/token', {
      basic: client,
      form: { grant_type: 'client_credentials' },
    });
    expect(answer.status).toBe(200);
    return answer.body.access_token as string;
  }

  async function serviceClient(json: Record<string, unknown>): Promise<Credentials> {
    const answer = await call('POST', '/admin/clients', {
      token: adminToken,
      json: {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        ...json,
      },
    });
    expect(answer.status).toBe(201);
    return { id: answer.body.client_id as string, secret: answer.body.client_secret as string };
  }

  /** The three kinds of token a client can hold, each accepted where it is meant to be. */
  async function tokensOfThreeClients() {
    const app: TestClient = await admin.createClient('client_secret_basic', {
      redirectUri: loopbackRedirectUri(await freePort()),
    });
    const user = await runCodeFlow(platform().issuer, agent, app);
    const sync = await serviceClient({
      client_name: 'Order sync',
      scope: 'orders:read',
      default_resource: ORDERS,
    });
    const syncToken = await clientCredentials(sync);
    const deputy = await serviceClient({ client_name: 'Deputy admin', scope: 'admin' });
    const deputyToken = await clientCredentials(deputy);

    expect((await call('GET', '/userinfo', { token: user.access_token })).status).toBe(200);
    const introspected = await call('POST', '/introspect', {
      basic: api,
      form: { token: syncToken },
    });
    expect(introspected.body).toMatchObject({ active: true, client_id: sync.id });
    expect((await call('GET', '/admin/clients', { token: deputyToken })).status).toBe(200);
    return {
      clientIds: [app.client_id, sync.id, deputy.id],
      userToken: user.access_token,
      syncToken,
      deputyToken,
    };
  }

  async function expectAllRefused(tokens: {
    userToken: string;
    syncToken: string;
    deputyToken: string;
  }): Promise<void> {
    const info = await call('GET', '/userinfo', { token: tokens.userToken });
    expect(info.status).toBe(401);
    expect(info.body.error).toBe('invalid_token');
    expect(info.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);

    const introspected = await call('POST', '/introspect', {
      basic: api,
      form: { token: tokens.syncToken },
    });
    expect(introspected.status).toBe(200);
    expect(introspected.body).toEqual(INACTIVE);

    const adminApi = await call('GET', '/admin/clients', { token: tokens.deputyToken });
    expect(adminApi.status).toBe(401);
    expect(adminApi.body.error).toBe('invalid_token');
    expect(adminApi.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
  }

  beforeAll(async () => {
    const { adminClient } = platform();
    admin = await PlatformAdmin.connect(platform());
    adminToken = await clientCredentials(adminClient);
    const user = await admin.createUser('dora');
    agent = new HeadlessUserAgent({ username: user.username, password: user.password });
    const resource = await call('POST', '/admin/resources', {
      token: adminToken,
      json: { identifier: ORDERS, name: 'Orders', scopes: ['orders:read'] },
    });
    expect(resource.status).toBe(201);
    api = await serviceClient({
      client_name: 'Orders API',
      scope: 'orders:read',
      default_resource: ORDERS,
    });
  });

  it('refuses the tokens of a disabled client on the next request', async () => {
    const tokens = await tokensOfThreeClients();
    for (const id of tokens.clientIds) {
      const patched = await call('PATCH', `/admin/clients/${id}`, {
        token: adminToken,
        json: { disabled: true },
      });
      expect(patched.status).toBe(200);
    }
    await expectAllRefused(tokens);
  });

  it('refuses the tokens of a deleted client on the next request', async () => {
    const tokens = await tokensOfThreeClients();
    for (const id of tokens.clientIds) {
      const deleted = await call('DELETE', `/admin/clients/${id}`, { token: adminToken });
      expect(deleted.status).toBe(204);
    }
    await expectAllRefused(tokens);
  });

  it('refuses an admin token once its client deleted itself with it', async () => {
    // The configured admin client (ADMIN_CLIENT_ID) cannot be changed through the API (409), so
    // another client with the admin scope stands for it.
    const deputy = await serviceClient({ client_name: 'Self-deleting admin', scope: 'admin' });
    const first = await clientCredentials(deputy);
    const own = await clientCredentials(deputy);
    expect((await call('GET', '/admin/clients', { token: own })).status).toBe(200);
    const deleted = await call('DELETE', `/admin/clients/${deputy.id}`, { token: own });
    expect(deleted.status).toBe(204);
    for (const token of [own, first]) {
      const after = await call('GET', '/admin/clients', { token });
      expect(after.status).toBe(401);
      expect(after.body.error).toBe('invalid_token');
    }
  });
});
