import { InvalidScope } from '../errors/oauth-error';
import { expectOAuthError } from '@latchkey/testing';
import {
  acceptsClientAuthMethod,
  ACCESS_TOKEN_CLOCK_TOLERANCE_SECONDS,
  ACCESS_TOKEN_TYP,
  accessTokenVerifyOptions,
  ADMIN_SCOPE,
  checkNoAdminScopeInUserFlow,
  isActiveClient,
  isPlausibleClientId,
  isPublicClient,
  MAX_CLIENT_ID_LENGTH,
  mayHoldAdminScope,
  requiresPkce,
} from './index';

const ISSUER = 'https://id.example.com';

describe('protocol policy', () => {
  describe('the admin scope', () => {
    it('is never part of a user flow', () => {
      expectOAuthError(
        () => checkNoAdminScopeInUserFlow(new Set(['openid', ADMIN_SCOPE])),
        InvalidScope,
        'invalid_scope',
        /admin is never granted through a user flow/,
      );
      expect(() => checkNoAdminScopeInUserFlow(new Set(['openid', 'administrator']))).not.toThrow();
    });

    it('may only be held by a client whose sole grant type is client_credentials', () => {
      expect(mayHoldAdminScope(['client_credentials'])).toBe(true);
      expect(mayHoldAdminScope(['client_credentials', 'authorization_code'])).toBe(false);
      expect(mayHoldAdminScope(['refresh_token'])).toBe(false);
    });
  });

  it('bounds client_id at MAX_CLIENT_ID_LENGTH, and refuses the empty one', () => {
    expect(isPlausibleClientId('c'.repeat(MAX_CLIENT_ID_LENGTH))).toBe(true);
    expect(isPlausibleClientId('c'.repeat(MAX_CLIENT_ID_LENGTH + 1))).toBe(false);
    expect(isPlausibleClientId('')).toBe(false);
    expect(isPlausibleClientId(undefined)).toBe(false);
    expect(isPlausibleClientId(['web-app'])).toBe(false);
    // What the token service and the registry would otherwise hand PostgreSQL.
    expect(isPlausibleClientId('web\u0000app')).toBe(false);
    expect(isPlausibleClientId('web\uD800app')).toBe(false);
  });

  it('calls a client active only while it exists and is enabled (fail closed)', () => {
    expect(isActiveClient({ disabled: false })).toBe(true);
    expect(isActiveClient({ disabled: true })).toBe(false);
    expect(isActiveClient(null)).toBe(false);
    expect(isActiveClient(undefined)).toBe(false);
    // A record that does not say it is enabled is not taken to be.
    expect(isActiveClient({} as { disabled: boolean })).toBe(false);
  });

  it('requires PKCE of public clients (auth method none) only', () => {
    expect(isPublicClient({ token_endpoint_auth_method: 'none' })).toBe(true);
    expect(requiresPkce({ token_endpoint_auth_method: 'none' })).toBe(true);
    expect(requiresPkce({ token_endpoint_auth_method: 'client_secret_basic' })).toBe(false);
    expect(requiresPkce({ token_endpoint_auth_method: 'private_key_jwt' })).toBe(false);
  });

  describe('accessTokenVerifyOptions', () => {
    it('is the one set of rules: typ at+jwt, the algorithms given, RFC 9068 claims, one tolerance', () => {
      const now = new Date('2025-06-01T12:00:00Z');
      expect(
        accessTokenVerifyOptions({ issuer: ISSUER, audience: ISSUER, algorithms: ['RS256'], now }),
      ).toEqual({
        issuer: ISSUER,
        audience: ISSUER,
        typ: ACCESS_TOKEN_TYP,
        algorithms: ['RS256'],
        requiredClaims: ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'],
        clockTolerance: ACCESS_TOKEN_CLOCK_TOLERANCE_SECONDS,
        currentDate: now,
      });
      expect(ACCESS_TOKEN_TYP).toBe('at+jwt');
      expect(ACCESS_TOKEN_CLOCK_TOLERANCE_SECONDS).toBe(0);
    });

    it('leaves audience and clock unset when not given, and copies the lists it hands out', () => {
      const algorithms = ['ES256'] as const;
      const options = accessTokenVerifyOptions({ issuer: ISSUER, algorithms });
      expect(options).not.toHaveProperty('audience');
      expect(options).not.toHaveProperty('currentDate');
      options.algorithms.push('none');
      options.requiredClaims.pop();
      expect(accessTokenVerifyOptions({ issuer: ISSUER, algorithms }).algorithms).toEqual([
        'ES256',
      ]);
      expect(accessTokenVerifyOptions({ issuer: ISSUER, algorithms }).requiredClaims).toHaveLength(
        7,
      );
    });
  });
});

describe('acceptsClientAuthMethod', () => {
  it('lets a client with a secret present it in the header or the body', () => {
    expect(acceptsClientAuthMethod('client_secret_basic', 'client_secret_post')).toBe(true);
    expect(acceptsClientAuthMethod('client_secret_post', 'client_secret_basic')).toBe(true);
    expect(acceptsClientAuthMethod('client_secret_basic', 'client_secret_basic')).toBe(true);
  });

  it('keeps private_key_jwt and none exact', () => {
    expect(acceptsClientAuthMethod('private_key_jwt', 'client_secret_basic')).toBe(false);
    expect(acceptsClientAuthMethod('private_key_jwt', 'client_secret_post')).toBe(false);
    expect(acceptsClientAuthMethod('client_secret_basic', 'none')).toBe(false);
    expect(acceptsClientAuthMethod('client_secret_post', 'private_key_jwt')).toBe(false);
    expect(acceptsClientAuthMethod('none', 'client_secret_post')).toBe(false);
    expect(acceptsClientAuthMethod('private_key_jwt', 'private_key_jwt')).toBe(true);
    expect(acceptsClientAuthMethod('none', 'none')).toBe(true);
  });
});
