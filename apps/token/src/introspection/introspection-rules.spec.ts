import { InvalidClient } from '@latchkey/oauth';
import { clientRecord } from '../fixtures/registry.fixture';
import type { ActiveAccessToken } from '../presented-tokens/presented-token.finder';
import type { StoredRefreshToken } from '../user-grants/grant-management.service';
import {
  accessTokenIntrospection,
  checkClientMayIntrospect,
  isActiveRefreshTokenOf,
  mayIntrospectAccessToken,
  refreshTokenIntrospection,
} from './introspection-rules';

const ISSUER = 'https://id.example.test';
const ORDERS = 'https://orders.example.test';
const NOW = new Date('2030-01-01T00:00:00Z');

const token = (overrides: Partial<ActiveAccessToken> = {}): ActiveAccessToken => ({
  active: true,
  sub: 'user-1',
  client_id: 'web-app',
  scope: 'orders:read',
  aud: [ORDERS],
  iat: 1_893_456_000,
  exp: 1_893_459_600,
  jti: 'jti-1',
  ...overrides,
});

const stored = (
  overrides: {
    token?: Partial<StoredRefreshToken['token']>;
    grant?: Partial<StoredRefreshToken['grant']>;
  } = {},
): StoredRefreshToken => ({
  token: {
    hash: 'h',
    grantId: 'g',
    parentHash: null,
    createdAt: NOW,
    expiresAt: new Date(NOW.getTime() + 30 * 86_400_000),
    idleExpiresAt: new Date(NOW.getTime() + 14 * 86_400_000),
    usedAt: null,
    successorHash: null,
    revokedAt: null,
    ...overrides.token,
  },
  grant: {
    id: 'g',
    clientId: 'web-app',
    sub: 'user-1',
    scope: 'openid offline_access',
    sid: 's',
    authTime: null,
    amr: null,
    acr: null,
    idp: null,
    resource: null,
    claimsRequest: null,
    createdAt: NOW,
    revokedAt: null,
    revokedReason: null,
    ...overrides.grant,
  },
});

describe('introspection rules', () => {
  it('lets only confidential clients introspect', () => {
    expect(() =>
      checkClientMayIntrospect(clientRecord({ token_endpoint_auth_method: 'none' })),
    ).toThrow(InvalidClient);
    for (const method of [
      'client_secret_basic',
      'client_secret_post',
      'private_key_jwt',
    ] as const) {
      expect(() =>
        checkClientMayIntrospect(clientRecord({ token_endpoint_auth_method: method })),
      ).not.toThrow();
    }
  });

  describe('who may learn about an access token', () => {
    it('its own client', () => {
      expect(
        mayIntrospectAccessToken(clientRecord({ client_id: 'web-app' }), token(), ISSUER),
      ).toBe(true);
    });

    it('the resource server it is for (default_resource among the audiences)', () => {
      const api = clientRecord({ client_id: 'orders-api', default_resource: ORDERS });
      expect(mayIntrospectAccessToken(api, token(), ISSUER)).toBe(true);
      expect(mayIntrospectAccessToken(api, token({ aud: ['https://other.example'] }), ISSUER)).toBe(
        false,
      );
    });

    it('nobody else, and never through the issuer as a "resource"', () => {
      expect(mayIntrospectAccessToken(clientRecord({ client_id: 'x' }), token(), ISSUER)).toBe(
        false,
      );
      const claimsIssuer = clientRecord({ client_id: 'x', default_resource: ISSUER });
      expect(mayIntrospectAccessToken(claimsIssuer, token({ aud: [ISSUER] }), ISSUER)).toBe(false);
    });
  });

  describe('a refresh token is active for its own client while usable', () => {
    const web = clientRecord({ client_id: 'web-app' });

    it('usable: active', () => {
      expect(isActiveRefreshTokenOf(web, stored(), NOW)).toBe(true);
    });

    it.each([
      ['another client', clientRecord({ client_id: 'other' }), stored()],
      ['rotated', web, stored({ token: { usedAt: NOW } })],
      ['revoked', web, stored({ token: { revokedAt: NOW } })],
      ['grant revoked', web, stored({ grant: { revokedAt: NOW } })],
      ['idle-expired', web, stored({ token: { idleExpiresAt: NOW } })],
      ['expired', web, stored({ token: { expiresAt: NOW } })],
    ])('%s: inactive', (_what, caller, refresh) => {
      expect(isActiveRefreshTokenOf(caller, refresh, NOW)).toBe(false);
    });
  });

  it('describes an access token with a single audience as a string, several as a list', () => {
    expect(accessTokenIntrospection(token(), ISSUER)).toEqual({
      active: true,
      scope: 'orders:read',
      client_id: 'web-app',
      sub: 'user-1',
      aud: ORDERS,
      iss: ISSUER,
      exp: 1_893_459_600,
      iat: 1_893_456_000,
      token_type: 'Bearer',
      jti: 'jti-1',
    });
    expect(accessTokenIntrospection(token({ aud: [ORDERS, ISSUER] }), ISSUER)).toMatchObject({
      aud: [ORDERS, ISSUER],
    });
    expect(accessTokenIntrospection(token({ scope: '' }), ISSUER)).not.toHaveProperty('scope');
  });

  it('describes a refresh token with its idle expiry and the issuer as audience', () => {
    expect(refreshTokenIntrospection(stored(), ISSUER)).toEqual({
      active: true,
      scope: 'openid offline_access',
      client_id: 'web-app',
      sub: 'user-1',
      aud: ISSUER,
      iss: ISSUER,
      exp: Math.floor(NOW.getTime() / 1000) + 14 * 86_400,
      iat: Math.floor(NOW.getTime() / 1000),
      token_type: 'refresh_token',
    });
  });
});
