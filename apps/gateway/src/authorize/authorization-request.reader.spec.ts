import type { ClaimScopesCache } from '@latchkey/registry-client';
import type { ClientRecord, ResourceView } from '@latchkey/contracts';
import { InvalidRequest, OAuthError, TemporarilyUnavailable } from '@latchkey/oauth';
import type { ClientsCache, ResourcesCache } from '@latchkey/registry-client';
import { ErrorRedirect } from '../errors/error-redirect';
import { REDIRECT_URI, webClient } from '../fixtures/client.fixture';
import { AuthorizationRequestReader } from './authorization-request.reader';
import type { IdTokenHintVerifier } from './id-token-hint.verifier';

const ISSUER = 'https://id.example.test';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('AuthorizationRequestReader: where each error is delivered', () => {
  let clients: Record<string, ClientRecord>;
  let resources: ResourceView[];
  let hint: jest.Mock;
  let reader: AuthorizationRequestReader;

  beforeEach(() => {
    resources = [];
    clients = {
      'web-app': webClient(),
      disabled: webClient({ client_id: 'disabled', disabled: true }),
      'no-code': webClient({ client_id: 'no-code', grant_types: ['client_credentials'] }),
      confidential: webClient({
        client_id: 'confidential',
        token_endpoint_auth_method: 'client_secret_basic',
      }),
    };
    hint = jest.fn(async () => 'user-1');
    reader = new AuthorizationRequestReader(
      { get: async (id: string) => clients[id] ?? null } as unknown as ClientsCache,
      { subjectOf: hint } as unknown as IdTokenHintVerifier,
      { all: async () => resources } as unknown as ResourcesCache,
      { all: async () => new Map() } as unknown as ClaimScopesCache,
      ISSUER,
    );
  });

  const valid = {
    response_type: 'code',
    client_id: 'web-app',
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile',
    state: 'st-1',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
  };

  const orders: ResourceView = {
    identifier: 'https://orders.example.test',
    name: 'Orders',
    scopes: ['orders:read'],
    roles: [],
    scope_descriptions: {},
    access_token_lifetime: 600,
    created_at: '2025-01-01T00:00:00.000Z',
    updated_at: '2025-01-01T00:00:00.000Z',
  };
  const billing: ResourceView = {
    ...orders,
    identifier: 'https://billing.example.test',
    name: 'Billing',
    scopes: ['billing:read'],
  };

  describe('resource and audiences (RFC 8707, docs/architecture.md §3)', () => {
    beforeEach(() => {
      resources = [orders, billing];
      clients['web-app'] = webClient({ scope: 'openid profile orders:read billing:read legacy' });
    });

    it('redirects invalid_target for an unregistered resource, before any login', async () => {
      const answer = await expectRedirect(
        { ...valid, resource: 'https://unknown.example.test' },
        'invalid_target',
      );
      expect(answer.get('error_description')).toBe('resource is not a registered resource');
    });

    it('redirects invalid_target for a resource the client may not use', async () => {
      clients['web-app'] = webClient({ scope: 'openid orders:read' });
      await expectRedirect(
        { ...valid, scope: 'openid', resource: billing.identifier },
        'invalid_target',
      );
    });

    it('grants no scope of another API, nor one that no resource defines', async () => {
      const { request } = await reader.read({
        ...valid,
        scope: 'openid orders:read billing:read legacy',
        resource: orders.identifier,
      });
      expect(request.scopes).toEqual(['openid', 'orders:read']);
      expect(request.resource).toBe(orders.identifier);
    });

    it('keeps the scopes of every API when no resource is named', async () => {
      const { request } = await reader.read({ ...valid, scope: 'openid orders:read billing:read' });
      expect(request.scopes).toEqual(['openid', 'orders:read', 'billing:read']);
    });

    it('redirects invalid_scope when nothing asked for can be granted', async () => {
      await expectRedirect(
        { ...valid, scope: 'billing:read', resource: orders.identifier },
        'invalid_scope',
      );
    });
  });

  async function outcome(params: Record<string, unknown>): Promise<unknown> {
    try {
      return await reader.read(params);
    } catch (err) {
      return err;
    }
  }

  /** Shown on the error page: a plain OAuthError, never an ErrorRedirect. */
  async function expectPage(params: Record<string, unknown>, error: string): Promise<void> {
    const result = await outcome(params);
    expect(result).toBeInstanceOf(OAuthError);
    expect(result).not.toBeInstanceOf(ErrorRedirect);
    expect((result as OAuthError).error).toBe(error);
  }

  /** Redirected to the client with error, state (when echoable) and iss. */
  async function expectRedirect(
    params: Record<string, unknown>,
    error: string,
    state: string | null = 'st-1',
  ): Promise<URLSearchParams> {
    const result = await outcome(params);
    expect(result).toBeInstanceOf(ErrorRedirect);
    const location = new URL((result as ErrorRedirect).location);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe(error);
    expect(location.searchParams.get('state')).toBe(state);
    expect(location.searchParams.get('iss')).toBe(ISSUER);
    expect(location.searchParams.get('code')).toBeNull();
    return location.searchParams;
  }

  it('reads a valid request', async () => {
    resources = [orders];
    const { client, request } = await reader.read({
      ...valid,
      nonce: 'n-1',
      max_age: '300',
      login_hint: 'alice',
      prompt: 'login',
      resource: 'https://orders.example.test',
      ui_locales: 'de',
      display: 'popup',
      unknown_parameter: 'ignored',
    });
    expect(client.client_id).toBe('web-app');
    expect(request).toEqual({
      client_id: 'web-app',
      redirect_uri: REDIRECT_URI,
      redirect_uri_explicit: true,
      scopes: ['openid', 'profile'],
      state: 'st-1',
      nonce: 'n-1',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
      prompt: ['login'],
      max_age: 300,
      login_hint: 'alice',
      resource: 'https://orders.example.test',
    });
  });

  it('records the sub of a verified id_token_hint', async () => {
    const { request } = await reader.read({ ...valid, id_token_hint: 'eyJ.hint' });
    expect(hint).toHaveBeenCalledWith('eyJ.hint', 'web-app');
    expect(request.id_token_hint_sub).toBe('user-1');
  });

  describe('on the error page (client or redirect_uri not proven)', () => {
    it.each([
      ['no client_id', { client_id: undefined }, 'invalid_request'],
      ['an unknown client', { client_id: 'nobody' }, 'invalid_request'],
      ['a disabled client', { client_id: 'disabled' }, 'invalid_request'],
      ['client_id twice', { client_id: ['web-app', 'web-app'] }, 'invalid_request'],
      [
        'an unregistered redirect_uri',
        { redirect_uri: 'https://evil.example/cb' },
        'invalid_redirect_uri',
      ],
      ['redirect_uri twice', { redirect_uri: [REDIRECT_URI, REDIRECT_URI] }, 'invalid_request'],
      ['no redirect_uri in an OIDC request', { redirect_uri: undefined }, 'invalid_request'],
    ])('%s', async (_what, change, error) => {
      await expectPage({ ...valid, ...change }, error);
    });
  });

  describe('redirected with state and iss', () => {
    it.each([
      ['no response_type', { response_type: undefined }, 'invalid_request'],
      ['response_type=token', { response_type: 'token' }, 'unsupported_response_type'],
      ['response_type twice', { response_type: ['code', 'code'] }, 'invalid_request'],
      ['response_mode=fragment', { response_mode: 'fragment' }, 'invalid_request'],
      ['a request object', { request: 'eyJ.x.y' }, 'request_not_supported'],
      ['a request_uri', { request_uri: 'urn:example:req' }, 'request_uri_not_supported'],
      ['no scope', { scope: undefined }, 'invalid_scope'],
      ['an unregistered scope', { scope: 'openid orders:write' }, 'invalid_scope'],
      ['the admin scope', { scope: 'openid admin' }, 'invalid_scope'],
      [
        'no PKCE from a public client',
        { code_challenge: undefined, code_challenge_method: undefined },
        'invalid_request',
      ],
      ['PKCE plain', { code_challenge_method: 'plain' }, 'invalid_request'],
      ['prompt=none login', { prompt: 'none login' }, 'invalid_request'],
      ['an unknown prompt', { prompt: 'bogus' }, 'invalid_request'],
      ['max_age=-1', { max_age: '-1' }, 'invalid_request'],
      ['a relative resource', { resource: '/orders' }, 'invalid_target'],
      ['two resources', { resource: ['https://a.example', 'https://b.example'] }, 'invalid_target'],
      ['nonce twice', { nonce: ['a', 'b'] }, 'invalid_request'],
    ])('%s', async (_what, change, error) => {
      await expectRedirect({ ...valid, ...change }, error);
    });

    it('unauthorized_client for a client without the authorization_code grant', async () => {
      await expectRedirect({ ...valid, client_id: 'no-code' }, 'unauthorized_client');
    });

    it('a repeated state is refused and not echoed', async () => {
      await expectRedirect({ ...valid, state: ['a', 'b'] }, 'invalid_request', null);
    });

    it('an id_token_hint that does not verify', async () => {
      hint.mockRejectedValueOnce(new InvalidRequest('id_token_hint is not valid'));
      const params = await expectRedirect({ ...valid, id_token_hint: 'forged' }, 'invalid_request');
      expect(params.get('error_description')).toBe('id_token_hint is not valid');
    });

    it('keeps the registered query of the redirect URI', async () => {
      clients['web-app'] = webClient({ redirect_uris: [`${REDIRECT_URI}?tenant=a`] });
      const result = (await outcome({
        ...valid,
        redirect_uri: `${REDIRECT_URI}?tenant=a`,
        response_type: 'token',
      })) as ErrorRedirect;
      expect(result.location).toBe(
        `${REDIRECT_URI}?tenant=a&error=unsupported_response_type&error_description=only+response_type%3Dcode+is+supported&state=st-1&iss=${encodeURIComponent(ISSUER)}`,
      );
    });
  });

  it('a confidential client may omit PKCE', async () => {
    const { request } = await reader.read({
      ...valid,
      client_id: 'confidential',
      code_challenge: undefined,
      code_challenge_method: undefined,
    });
    expect(request.code_challenge).toBeUndefined();
  });

  it('an outage while checking the hint is a 503 page, not a redirect', async () => {
    hint.mockRejectedValueOnce(new TemporarilyUnavailable());
    const result = await outcome({ ...valid, id_token_hint: 'eyJ.hint' });
    expect(result).toBeInstanceOf(TemporarilyUnavailable);
  });
});
