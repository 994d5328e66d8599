import {
  InvalidClientMetadata,
  InvalidRequest,
  MAX_CLIENT_ID_LENGTH,
  sha256Base64Url,
  validateClientMetadata,
} from '@latchkey/oauth';
import {
  checkAdminScope,
  MAX_GRACE_PERIOD_SECONDS,
  newClientId,
  readChosenClientId,
  readClientId,
  readDisabled,
  readGracePeriod,
  secretMatchesAny,
  usesClientSecret,
} from './client-rules';
import { expectOAuthError } from '@latchkey/testing';

describe('client rules', () => {
  describe('usesClientSecret', () => {
    it('is true only for the shared-secret methods', () => {
      expect(usesClientSecret('client_secret_basic')).toBe(true);
      expect(usesClientSecret('client_secret_post')).toBe(true);
      expect(usesClientSecret('private_key_jwt')).toBe(false);
      expect(usesClientSecret('none')).toBe(false);
    });
  });

  describe('newClientId', () => {
    it('is 22 base64url characters (128 random bits), different every time', () => {
      const ids = new Set(Array.from({ length: 100 }, newClientId));
      expect(ids.size).toBe(100);
      for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    });
  });

  describe('checkAdminScope', () => {
    it('lets a client_credentials-only client hold admin', () => {
      const metadata = validateClientMetadata({
        grant_types: ['client_credentials'],
        scope: 'admin orders:read',
      });
      expect(() => checkAdminScope(metadata)).not.toThrow();
    });

    it('ignores clients without admin, whatever their grants', () => {
      const metadata = validateClientMetadata({
        redirect_uris: ['https://app.example.com/cb'],
        grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
        scope: 'openid administrator admin:read',
      });
      expect(() => checkAdminScope(metadata)).not.toThrow();
    });

    it.each([
      [['authorization_code']],
      [['authorization_code', 'client_credentials']],
      [['authorization_code', 'refresh_token', 'client_credentials']],
    ])('refuses admin with grant types %p (a user flow could carry it)', async (grant_types) => {
      const metadata = validateClientMetadata({
        redirect_uris: ['https://app.example.com/cb'],
        grant_types,
        scope: 'openid admin',
      });
      expectOAuthError(
        () => checkAdminScope(metadata),
        InvalidClientMetadata,
        'invalid_client_metadata',
        /^scope admin is only allowed for clients whose only grant type is client_credentials$/,
      );
    });
  });

  describe('secretMatchesAny', () => {
    const a = sha256Base64Url('secret-a');
    const b = sha256Base64Url('secret-b');

    it('matches any of the stored hashes, wherever it is in the list', () => {
      expect(secretMatchesAny(a, [a])).toBe(true);
      expect(secretMatchesAny(a, [a, b])).toBe(true);
      expect(secretMatchesAny(b, [a, b])).toBe(true);
    });

    it('does not match another hash or an empty list', () => {
      expect(secretMatchesAny(sha256Base64Url('secret-c'), [a, b])).toBe(false);
      expect(secretMatchesAny(a, [])).toBe(false);
      expect(secretMatchesAny('', [])).toBe(false);
    });
  });

  describe('request fields', () => {
    it('reads client_id', async () => {
      expect(readClientId({ client_id: 'abc' })).toBe('abc');
      // The one limit of libs/oauth, as /authorize and token client authentication apply it.
      const longest = 'c'.repeat(MAX_CLIENT_ID_LENGTH);
      expect(readClientId({ client_id: longest })).toBe(longest);
      for (const request of [
        {},
        { client_id: '' },
        { client_id: 7 },
        { client_id: `${longest}c` },
        null,
        'abc',
      ]) {
        expectOAuthError(
          () => readClientId(request),
          InvalidRequest,
          'invalid_request',
          /^client_id is required$/,
        );
      }
      expectOAuthError(
        () => readClientId({ client_id: 'x'.repeat(257) }),
        InvalidRequest,
        'invalid_request',
      );
    });

    it('accepts a chosen client_id of unreserved characters only', async () => {
      expect(readChosenClientId('my-app_1.0~x')).toBe('my-app_1.0~x');
      for (const id of ['', 'a b', 'a:b', 'a/b', 'é', 'x'.repeat(129), 42]) {
        expectOAuthError(
          () => readChosenClientId(id),
          InvalidRequest,
          'invalid_request',
          /^client_id must be 1 to 128 characters/,
        );
      }
    });

    it('reads grace_period_seconds: 0 to 30 days, default 0', async () => {
      expect(readGracePeriod(undefined)).toBe(0);
      expect(readGracePeriod(null)).toBe(0);
      expect(readGracePeriod(0)).toBe(0);
      expect(readGracePeriod(MAX_GRACE_PERIOD_SECONDS)).toBe(2_592_000);
      for (const value of [-1, MAX_GRACE_PERIOD_SECONDS + 1, 1.5, '60']) {
        expectOAuthError(
          () => readGracePeriod(value),
          InvalidRequest,
          'invalid_request',
          /^grace_period_seconds must be an integer between 0 and 2592000$/,
        );
      }
    });

    it('reads disabled: a boolean, null for enabled', async () => {
      expect(readDisabled(undefined)).toBeUndefined();
      expect(readDisabled(null)).toBe(false);
      expect(readDisabled(true)).toBe(true);
      expectOAuthError(
        () => readDisabled('true'),
        InvalidClientMetadata,
        'invalid_client_metadata',
        /^disabled must be a boolean$/,
      );
    });
  });
});
