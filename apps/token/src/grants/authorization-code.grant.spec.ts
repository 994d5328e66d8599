import {
  InvalidGrant,
  InvalidRequest,
  InvalidScope,
  InvalidTarget,
  parseScope,
} from '@latchkey/oauth';
import type { Audience } from '../access-tokens/audience.resolver';
import type { CodeBinding } from '../codes/authorization-code';
import { clientRecord, resourceView } from '../fixtures/registry.fixture';
import {
  codeRequest,
  oauthClient,
  pkcePair,
  spaClient,
  webClient,
} from '../fixtures/user-flow.fixture';
import {
  checkCodeIssuedToClient,
  checkPublicClientUsedPkce,
  checkResourceIsTheBoundOne,
  checkSomeScopeIssuable,
  issuesRefreshToken,
  readCodeExchangeParams,
} from './authorization-code.grant';

const binding = (overrides: Partial<CodeBinding> = {}): CodeBinding => ({
  ...codeRequest(),
  expires_at: 0,
  ...overrides,
});

describe('authorization_code checks', () => {
  describe('readCodeExchangeParams', () => {
    const verifier = pkcePair().verifier;

    it('reads code, redirect_uri, code_verifier and resource', () => {
      expect(
        readCodeExchangeParams({
          code: 'c',
          redirect_uri: 'https://a.example/cb',
          code_verifier: verifier,
          resource: 'https://orders.example',
        }),
      ).toEqual({
        code: 'c',
        redirectUri: 'https://a.example/cb',
        codeVerifier: verifier,
        resource: 'https://orders.example',
      });
    });

    it.each<[string, Record<string, unknown>, RegExp]>([
      ['no code', { redirect_uri: 'r' }, /code is required/],
      ['an empty code', { code: '', redirect_uri: 'r' }, /code is required/],
      ['two codes', { code: ['a', 'b'], redirect_uri: 'r' }, /must not be repeated/],
      [
        'a malformed verifier',
        { code: 'c', redirect_uri: 'r', code_verifier: 'a b' },
        /code_verifier/,
      ],
      [
        'a too short verifier',
        { code: 'c', redirect_uri: 'r', code_verifier: 'a'.repeat(42) },
        /43 to 128/,
      ],
      ['a non-string code', { code: { $ne: 1 }, redirect_uri: 'r' }, /must be a string/],
    ])('refuses %s with invalid_request', (_label, params, pattern) => {
      expect(() => readCodeExchangeParams(params)).toThrow(InvalidRequest);
      expect(() => readCodeExchangeParams(params)).toThrow(pattern);
    });

    it('leaves redirect_uri to the code: the authorization request may have had none', () => {
      expect(readCodeExchangeParams({ code: 'c' })).toEqual({ code: 'c' });
    });

    it('refuses a malformed resource with invalid_target', () => {
      expect(() => readCodeExchangeParams({ code: 'c', redirect_uri: 'r', resource: 'x' })).toThrow(
        InvalidTarget,
      );
    });
  });

  it('checks the code was issued to the client', () => {
    expect(() => checkCodeIssuedToClient(binding(), webClient())).not.toThrow();
    expect(() => checkCodeIssuedToClient(binding(), webClient({ client_id: 'x' }))).toThrow(
      InvalidGrant,
    );
  });

  it("checks a public client's code carries a PKCE challenge", () => {
    const spa = spaClient();
    expect(() => checkPublicClientUsedPkce(binding(), spa)).toThrow(InvalidGrant);
    expect(() =>
      checkPublicClientUsedPkce(binding({ code_challenge: pkcePair().challenge }), spa),
    ).not.toThrow();
    expect(() => checkPublicClientUsedPkce(binding(), webClient())).not.toThrow();
  });

  it('lets a resource parameter only repeat the audience', () => {
    const issuer: Audience = { aud: 'https://id.example', resources: [], scopes: ['openid'] };
    expect(() => checkResourceIsTheBoundOne(undefined, issuer)).not.toThrow();
    expect(() => checkResourceIsTheBoundOne('https://id.example', issuer)).not.toThrow();
    expect(() => checkResourceIsTheBoundOne('https://orders.example', issuer)).toThrow(
      InvalidTarget,
    );
    const orders = resourceView({ identifier: 'https://orders.example' });
    const billing = resourceView({ identifier: 'https://billing.example', scopes: ['b'] });
    const one: Audience = { aud: orders.identifier, resources: [orders], scopes: ['orders:read'] };
    expect(() => checkResourceIsTheBoundOne('https://orders.example', one)).not.toThrow();
    expect(() => checkResourceIsTheBoundOne('https://id.example', one)).toThrow(InvalidTarget);
    // A token for several resources is not narrowed by a resource at the token endpoint.
    const two: Audience = {
      aud: [orders.identifier, billing.identifier],
      resources: [orders, billing],
      scopes: ['orders:read', 'b'],
    };
    expect(() => checkResourceIsTheBoundOne('https://orders.example', two)).toThrow(InvalidTarget);
  });

  it('issues nothing when none of the granted scopes is left', () => {
    const none: Audience = { aud: 'https://id.example', resources: [], scopes: [] };
    expect(() => checkSomeScopeIssuable(none)).toThrow(InvalidScope);
    expect(() => checkSomeScopeIssuable({ ...none, scopes: ['openid'] })).not.toThrow();
  });

  describe('issuesRefreshToken', () => {
    const scopes = (s: string) => parseScope(s);

    it('needs offline_access from an OpenID Connect client', () => {
      expect(issuesRefreshToken(webClient(), scopes('openid offline_access'))).toBe(true);
      expect(issuesRefreshToken(webClient(), scopes('openid profile'))).toBe(false);
      // Registered for openid, even when this request did not ask for it.
      expect(issuesRefreshToken(webClient(), scopes('orders:read'))).toBe(false);
    });

    it('needs only the grant type from a plain OAuth client', () => {
      expect(issuesRefreshToken(oauthClient(), scopes('orders:read'))).toBe(true);
      expect(issuesRefreshToken(oauthClient({ scope: undefined }), scopes(''))).toBe(true);
    });

    it('never without the refresh_token grant type', () => {
      const noRefresh = { grant_types: ['authorization_code' as const] };
      expect(issuesRefreshToken(webClient(noRefresh), scopes('openid offline_access'))).toBe(false);
      expect(issuesRefreshToken(oauthClient(noRefresh), scopes('orders:read'))).toBe(false);
      expect(issuesRefreshToken(clientRecord(), scopes('orders:read'))).toBe(false);
    });
  });
});
