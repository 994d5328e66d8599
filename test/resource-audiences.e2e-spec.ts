import { expect } from '@jest/globals';
import { computeS256Challenge, randomToken } from '@latchkey/oauth';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { callPlatform, type CallAnswer, type CallOptions } from './support/http-call';
import { describeEachMode } from './support/platform';
import { freePort } from './support/processes';
import { loopbackRedirectUri, PlatformAdmin, type TestUser } from './support/provisioning';
import { HeadlessUserAgent } from './support/user-agent';

/**
 * Audiences from scopes (RFC 8707, RFC 9068; docs/architecture.md §3, Audiences) over real
 * HTTP against the whole platform, in both run modes: what an app that registers API scopes,
 * asks for them and hands the access token to its API gets, through the login and consent
 * pages.
 */
jest.setTimeout(180_000);

const ORDERS = 'https://orders.example.test';
const BILLING = 'https://billing.example.test';
const INVENTORY = 'https://inventory.example.test';

interface App {
  id: string;
  secret: string;
  redirectUri: string;
}

describeEachMode('audiences from scopes', (platform) => {
  let issuer: string;
  let adminToken: string;
  let user: TestUser;
  let app: App;
  let jwks: JSONWebKeySet;

  const call = (method: string, route: string, options: CallOptions = {}): Promise<CallAnswer> =>
    callPlatform(issuer, method, route, options);

  const admin = (method: string, route: string, json?: unknown) =>
    call(method, route, { token: adminToken, ...(json === undefined ? {} : { json }) });

  const createApp = async (name: string): Promise<App> => {
    const redirectUri = loopbackRedirectUri(await freePort());
    const answer = await admin('POST', '/admin/clients', {
      client_name: name,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope:
        'openid profile offline_access orders:read orders:write billing:read inventory:read inventory:write',
    });
    expect(answer.status).toBe(201);
    return {
      id: answer.body.client_id as string,
      secret: answer.body.client_secret as string,
      redirectUri,
    };
  };

  const authorizationUrl = (client: App, params: Record<string, string>, verifier: string) => {
    const url = new URL(`${issuer}/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: client.id,
      redirect_uri: client.redirectUri,
      state: 'st-1',
      nonce: randomToken(16),
      code_challenge: computeS256Challenge(verifier),
      code_challenge_method: 'S256',
      ...params,
    }).toString();
    return url;
  };

  /** Sign in and consent in a fresh browser, then exchange the code. */
  const signIn = async (
    params: Record<string, string>,
    client: App = app,
    agent = new HeadlessUserAgent(user),
  ): Promise<Record<string, unknown>> => {
    const verifier = randomToken(32);
    const callback = await agent.authorize(authorizationUrl(client, params, verifier), {
      redirectUri: client.redirectUri,
    });
    const code = callback.searchParams.get('code');
    if (!code) throw new Error(`no code in ${callback.toString()}`);
    const answer = await call('POST', '/token', {
      basic: { id: client.id, secret: client.secret },
      form: {
        grant_type: 'authorization_code',
        code,
        redirect_uri: client.redirectUri,
        code_verifier: verifier,
      },
    });
    expect(answer.status).toBe(200);
    return answer.body;
  };

  /** Verified as the API would: signature, issuer, typ and its own identifier in `aud`. */
  const verifiedFor = async (token: string, audience: string): Promise<JWTPayload> =>
    (
      await jwtVerify(token, createLocalJWKSet(jwks), {
        issuer,
        audience,
        typ: 'at+jwt',
      })
    ).payload;

  beforeAll(async () => {
    issuer = platform().issuer;
    const operator = await PlatformAdmin.connect(platform());
    user = await operator.createUser('rosa');
    const { id, secret } = platform().adminClient;
    const token = await call('POST', '/token', {
      basic: { id, secret },
      form: { grant_type: 'client_credentials' },
    });
    adminToken = token.body.access_token as string;
    for (const resource of [
      {
        identifier: ORDERS,
        name: 'Orders API',
        scopes: ['orders:read', 'orders:write'],
        scope_descriptions: { 'orders:read': 'See your orders' },
      },
      {
        identifier: BILLING,
        name: 'Billing API',
        scopes: ['billing:read'],
        scope_descriptions: { 'billing:read': 'See your invoices' },
      },
      {
        identifier: INVENTORY,
        name: 'Inventory API',
        scopes: ['inventory:read', 'inventory:write'],
      },
    ]) {
      expect((await admin('POST', '/admin/resources', resource)).status).toBe(201);
    }
    app = await createApp('Shop');
    jwks = (await call('GET', '/.well-known/jwks.json')).body as unknown as JSONWebKeySet;
  });

  it('refuses a scope that another resource already defines (409)', async () => {
    const answer = await admin('POST', '/admin/resources', {
      identifier: 'https://copy.example.test',
      name: 'Copy',
      scopes: ['orders:read'],
    });
    expect(answer.status).toBe(409);
  });

  it('without resource, the token is for the API whose scope was granted, and works at userinfo', async () => {
    const tokens = await signIn({ scope: 'openid profile orders:read' });
    expect(tokens.scope).toBe('openid profile orders:read');
    const claims = await verifiedFor(tokens.access_token as string, ORDERS);
    expect(claims.aud).toEqual([ORDERS, `${issuer}/userinfo`]);
    expect(claims.scope).toBe('openid profile orders:read');
    const userinfo = await call('GET', '/userinfo', { token: tokens.access_token as string });
    expect(userinfo.status).toBe(200);
    expect(userinfo.body).toMatchObject({ sub: user.id, name: user.name });
  });

  it('with resource, a scope of another API is not granted (the response says so)', async () => {
    const tokens = await signIn({
      scope: 'openid orders:read billing:read',
      resource: ORDERS,
    });
    expect(tokens.scope).toBe('openid orders:read');
    const claims = await verifiedFor(tokens.access_token as string, ORDERS);
    expect(claims.scope).toBe('openid orders:read');
    expect(claims.aud).not.toContain(BILLING);
  });

  it('refuses an unregistered resource at /authorize with an invalid_target redirect', async () => {
    const answer = await call(
      'GET',
      `/authorize?${authorizationUrl(app, { scope: 'openid orders:read', resource: 'https://unknown.example.test' }, randomToken(32)).searchParams.toString()}`,
    );
    expect(answer.status).toBe(303);
    const location = new URL(answer.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(app.redirectUri);
    expect(location.searchParams.get('error')).toBe('invalid_target');
    expect(location.searchParams.get('state')).toBe('st-1');
    expect(location.searchParams.get('iss')).toBe(issuer);
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('names each API scope on the consent page with its description, grouped by API', async () => {
    const agent = new HeadlessUserAgent(user);
    await signIn(
      { scope: 'openid orders:read orders:write billing:read' },
      await createApp('Books'),
      agent,
    );
    const page = agent.lastConsentPage ?? '';
    const orders = page.indexOf('<h2 class="api">Orders API</h2>');
    const billing = page.indexOf('<h2 class="api">Billing API</h2>');
    expect(orders).toBeGreaterThan(0);
    expect(billing).toBeGreaterThan(0);
    expect(page).toMatch(/See your orders<span class="scope-id">orders:read<\/span>/);
    expect(page).toMatch(/See your invoices<span class="scope-id">billing:read<\/span>/);
    // A scope without a description is shown by name, under its API.
    const write = page.indexOf('<span class="scope-id">orders:write</span>');
    expect(write).toBeGreaterThan(orders);
  });

  it('stops issuing a scope removed from its resource, refresh included', async () => {
    const tokens = await signIn({ scope: 'openid offline_access inventory:read inventory:write' });
    expect(tokens.scope).toBe('openid offline_access inventory:read inventory:write');
    const patched = await admin('PATCH', `/admin/resources/${encodeURIComponent(INVENTORY)}`, {
      scopes: ['inventory:write'],
    });
    expect(patched.status).toBe(200);
    const refreshed = await call('POST', '/token', {
      basic: { id: app.id, secret: app.secret },
      form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.scope).toBe('openid offline_access inventory:write');
    const claims = await verifiedFor(refreshed.body.access_token as string, INVENTORY);
    expect(claims.scope).toBe('openid offline_access inventory:write');
    // A new authorization does not grant it either.
    const again = await signIn({ scope: 'openid inventory:read inventory:write' });
    expect(again.scope).toBe('openid inventory:write');
  });

  it('gives client_credentials a token for the API whose scope it asks for', async () => {
    const created = await admin('POST', '/admin/clients', {
      client_name: 'Billing sync',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'billing:read orders:read',
    });
    expect(created.status).toBe(201);
    const basic = {
      id: created.body.client_id as string,
      secret: created.body.client_secret as string,
    };
    const answer = await call('POST', '/token', {
      basic,
      form: { grant_type: 'client_credentials', scope: 'billing:read' },
    });
    expect(answer.status).toBe(200);
    expect((await verifiedFor(answer.body.access_token as string, BILLING)).aud).toBe(BILLING);
    const refused = await call('POST', '/token', {
      basic,
      form: { grant_type: 'client_credentials', scope: 'orders:read', resource: BILLING },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_scope');
    const unknown = await call('POST', '/token', {
      basic,
      form: { grant_type: 'client_credentials', resource: 'https://unknown.example.test' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('invalid_target');
  });
});
