import { expectOAuthError } from '@latchkey/testing';
import { InvalidTarget } from '../errors/oauth-error';
import {
  accessTokenAudience,
  clientMayUseResource,
  isForUserinfo,
  issuerReleasedScopes,
  ownerOf,
  tokenAudience,
  type TokenAudienceRequest,
  userinfoEndpoint,
} from './audience';

const ISSUER = 'https://id.example.com';
const ORDERS = { identifier: 'https://orders.example', scopes: ['orders:read', 'orders:write'] };
const BILLING = { identifier: 'https://billing.example', scopes: ['billing:read'] };
const RESOURCES = [ORDERS, BILLING];
const ALL_SCOPES = 'openid profile offline_access orders:read orders:write billing:read legacy';

type Request = TokenAudienceRequest<typeof ORDERS>;

function audienceOf(overrides: Partial<Request>) {
  return tokenAudience({
    requested: [],
    clientScopes: new Set(ALL_SCOPES.split(' ')),
    resources: RESOURCES,
    issuer: ISSUER,
    ...overrides,
  });
}

describe('tokenAudience (docs/architecture.md §3, Audiences)', () => {
  describe("the issuer's own scopes (groups, claim scopes)", () => {
    const clientScopes = new Set([...ALL_SCOPES.split(' '), 'groups', 'user_profile']);

    it('keeps them without an audience, beside an API scope, and drops a scope nobody defines', () => {
      const audience = audienceOf({
        requested: ['openid', 'groups', 'user_profile', 'orders:read', 'legacy'],
        clientScopes,
        issuerScopes: issuerReleasedScopes(['user_profile']),
      });
      expect(audience).toEqual({
        resources: [ORDERS],
        scopes: ['openid', 'groups', 'user_profile', 'orders:read'],
      });
    });

    it('drops a claim scope the registry no longer defines, and any the client is not registered for', () => {
      expect(
        audienceOf({
          requested: ['openid', 'user_profile', 'groups'],
          clientScopes: new Set(['openid', 'user_profile']),
          issuerScopes: issuerReleasedScopes([]),
        }).scopes,
      ).toEqual(['openid']);
    });
  });

  describe('without resource', () => {
    it('is for the resources whose scopes are granted, in the order asked', () => {
      const audience = audienceOf({ requested: ['openid', 'billing:read', 'orders:read'] });
      expect(audience.resources).toEqual([BILLING, ORDERS]);
      expect(audience.scopes).toEqual(['openid', 'billing:read', 'orders:read']);
    });

    it("is for the client's default resource when no API scope is asked for", () => {
      const audience = audienceOf({ requested: ['openid'], defaultResource: BILLING.identifier });
      expect(audience).toEqual({ resources: [BILLING], scopes: ['openid'] });
    });

    it('prefers the owners of the granted scopes over the default resource', () => {
      const audience = audienceOf({
        requested: ['orders:read'],
        defaultResource: BILLING.identifier,
      });
      expect(audience.resources).toEqual([ORDERS]);
    });

    it('is for the issuer alone otherwise', () => {
      expect(audienceOf({ requested: ['openid', 'profile'] })).toEqual({
        resources: [],
        scopes: ['openid', 'profile'],
      });
    });

    it('refuses a default resource that is no longer registered', () => {
      expectOAuthError(
        () => audienceOf({ requested: ['openid'], defaultResource: 'https://gone.example' }),
        InvalidTarget,
        'invalid_target',
        /default_resource is not a registered resource/,
      );
    });
  });

  describe('with resource', () => {
    it('confines the API scopes to it: a scope of another API is not granted', () => {
      const audience = audienceOf({
        requested: ['openid', 'orders:read', 'billing:read'],
        resource: ORDERS.identifier,
      });
      expect(audience).toEqual({ resources: [ORDERS], scopes: ['openid', 'orders:read'] });
    });

    it('refuses an unregistered resource with invalid_target', () => {
      expectOAuthError(
        () => audienceOf({ requested: ['openid'], resource: 'https://unknown.example' }),
        InvalidTarget,
        'invalid_target',
        /not a registered resource/,
      );
    });

    it('refuses a resource the client holds no scope of, unless it is its default one', () => {
      const clientScopes = new Set(['openid', 'orders:read']);
      expectOAuthError(
        () => audienceOf({ requested: ['openid'], resource: BILLING.identifier, clientScopes }),
        InvalidTarget,
        'invalid_target',
        /may not use this resource/,
      );
      expect(
        audienceOf({
          requested: ['openid'],
          resource: BILLING.identifier,
          clientScopes,
          defaultResource: BILLING.identifier,
        }).resources,
      ).toEqual([BILLING]);
    });

    it('takes the issuer as a token for the issuer alone', () => {
      expect(audienceOf({ requested: ['openid', 'orders:read'], resource: ISSUER })).toEqual({
        resources: [],
        scopes: ['openid'],
      });
    });
  });

  it('never grants a scope that no resource defines (RFC 6749 §3.3)', () => {
    expect(audienceOf({ requested: ['openid', 'legacy', 'orders:read'] }).scopes).toEqual([
      'openid',
      'orders:read',
    ]);
  });

  it("never grants a scope the client's registration does not hold", () => {
    const audience = audienceOf({
      requested: ['openid', 'orders:read', 'orders:write'],
      clientScopes: new Set(['openid', 'orders:read']),
    });
    expect(audience.scopes).toEqual(['openid', 'orders:read']);
  });

  it('follows the resources as they are: a removed scope is no longer granted', () => {
    const shrunk = [{ ...ORDERS, scopes: ['orders:write'] }, BILLING];
    const audience = audienceOf({
      requested: ['openid', 'orders:read', 'orders:write'],
      resources: shrunk,
    });
    expect(audience.scopes).toEqual(['openid', 'orders:write']);
    expect(audienceOf({ requested: ['orders:read'], resources: shrunk })).toEqual({
      resources: [],
      scopes: [],
    });
  });

  it('gives a scope defined twice (older data) to the oldest resource', () => {
    const twice = [ORDERS, { identifier: 'https://newer.example', scopes: ['orders:read'] }];
    expect(ownerOf('orders:read', twice)).toBe(ORDERS);
    expect(ownerOf('openid', [{ identifier: 'https://x.example', scopes: ['openid'] }])).toBe(
      undefined,
    );
  });

  it('lets a client use its default resource or one defining a scope it holds', () => {
    expect(clientMayUseResource(ORDERS, new Set(['orders:write']), undefined)).toBe(true);
    expect(clientMayUseResource(ORDERS, new Set(['billing:read']), undefined)).toBe(false);
    expect(clientMayUseResource(ORDERS, new Set(), ORDERS.identifier)).toBe(true);
  });
});

describe('accessTokenAudience', () => {
  it('is the issuer for a token for no resource', () => {
    expect(accessTokenAudience([], ['openid'], ISSUER)).toBe(ISSUER);
  });

  it('is the one resource as a string, without openid', () => {
    expect(accessTokenAudience([ORDERS], ['orders:read'], ISSUER)).toBe(ORDERS.identifier);
  });

  it('names userinfo too when openid is granted', () => {
    expect(accessTokenAudience([ORDERS, BILLING], ['openid', 'orders:read'], ISSUER)).toEqual([
      ORDERS.identifier,
      BILLING.identifier,
      `${ISSUER}/userinfo`,
    ]);
  });

  it('is accepted at userinfo with the issuer or the userinfo endpoint only', () => {
    expect(userinfoEndpoint(ISSUER)).toBe(`${ISSUER}/userinfo`);
    expect(isForUserinfo([ISSUER], ISSUER)).toBe(true);
    expect(isForUserinfo([ORDERS.identifier, `${ISSUER}/userinfo`], ISSUER)).toBe(true);
    expect(isForUserinfo([ORDERS.identifier], ISSUER)).toBe(false);
    expect(isForUserinfo([`${ISSUER}/userinfo/x`], ISSUER)).toBe(false);
  });
});
