import { InvalidClientMetadata, InvalidRequest, validateClientMetadata } from '@latchkey/oauth';
import {
  checkClientIdUnchanged,
  checkRegistrationPolicy,
  checkSelfRegisteredMetadata,
  DEFAULT_REGISTRATION_POLICY,
  readIatPolicy,
  registrationPolicyOf,
  updatePolicyFor,
  readIatLifetime,
  readIatMaxUses,
  readManageAction,
} from './registration-rules';
import { expectOAuthError } from '@latchkey/testing';

describe('registration rules', () => {
  it('lets a self-registered client ask for ordinary scopes', () => {
    const metadata = validateClientMetadata({
      redirect_uris: ['https://app.example.com/cb'],
      scope: 'openid profile offline_access',
    });
    expect(() => checkSelfRegisteredMetadata(metadata)).not.toThrow();
    expect(() => checkRegistrationPolicy(metadata, DEFAULT_REGISTRATION_POLICY)).not.toThrow();
  });

  describe('registration policy', () => {
    const expectRefused = (
      metadata: object,
      policy = DEFAULT_REGISTRATION_POLICY,
      pattern: RegExp,
    ) =>
      expectOAuthError(
        () => checkRegistrationPolicy(validateClientMetadata(metadata), policy),
        InvalidClientMetadata,
        { error: 'invalid_client_metadata', status: 400, description: pattern },
      );

    it('by default refuses API scopes, client_credentials and default_resource', async () => {
      expectRefused(
        { redirect_uris: ['https://app.example.com/cb'], scope: 'openid orders:read' },
        DEFAULT_REGISTRATION_POLICY,
        /^scope orders:read is not allowed for clients registered with this initial access token$/,
      );
      expectRefused(
        { grant_types: ['client_credentials'] },
        DEFAULT_REGISTRATION_POLICY,
        /^grant type client_credentials is not allowed/,
      );
      expectRefused(
        {
          redirect_uris: ['https://app.example.com/cb'],
          default_resource: 'https://api.example.com',
        },
        DEFAULT_REGISTRATION_POLICY,
        /^default_resource is not allowed/,
      );
    });

    it('allows what the initial access token allows, and nothing else', async () => {
      const policy = registrationPolicyOf(
        readIatPolicy({
          scope: 'api:read api:write',
          grant_types: ['client_credentials'],
          default_resource: 'https://api.example.com',
        }),
      );
      const metadata = validateClientMetadata({
        grant_types: ['client_credentials'],
        scope: 'api:write',
        default_resource: 'https://api.example.com',
      });
      expect(() => checkRegistrationPolicy(metadata, policy)).not.toThrow();
      expectRefused(
        { grant_types: ['client_credentials'], scope: 'api:delete' },
        policy,
        /^scope api:delete is not allowed/,
      );
      expectRefused(
        { grant_types: ['client_credentials'], default_resource: 'https://other.example.com' },
        policy,
        /^default_resource is not allowed/,
      );
      expectRefused(
        { redirect_uris: ['https://app.example.com/cb'] },
        policy,
        /^grant type authorization_code is not allowed/,
      );
    });

    it('lets an update keep what the client holds, and add nothing beyond the default', async () => {
      const current = validateClientMetadata({
        grant_types: ['client_credentials'],
        scope: 'api:write',
        default_resource: 'https://api.example.com',
      });
      const policy = updatePolicyFor(current);
      expect(() => checkRegistrationPolicy(current, policy)).not.toThrow();
      expectRefused(
        { grant_types: ['client_credentials'], scope: 'api:write billing:read' },
        policy,
        /^scope billing:read is not allowed/,
      );
    });

    it('validates the policy an admin sets on an initial access token', async () => {
      expect(readIatPolicy({})).toEqual({ scope: null, grant_types: null, default_resource: null });
      expect(readIatPolicy({ scope: 'b a', grant_types: ['client_credentials'] })).toEqual({
        scope: 'b a',
        grant_types: ['client_credentials'],
        default_resource: null,
      });
      for (const [input, pattern] of [
        [{ scope: 'admin' }, /^scope admin cannot be allowed for dynamic registration$/],
        [{ scope: 42 }, /^scope must be a string$/],
        [{ grant_types: ['password'] }, /^grant_types must be a non-empty array of/],
        [{ grant_types: [] }, /^grant_types must be a non-empty array of/],
        [{ default_resource: 'ftp://x' }, /^default_resource must not use the ftp scheme$/],
      ] as const) {
        expectOAuthError(() => readIatPolicy(input), InvalidRequest, {
          error: 'invalid_request',
          status: 400,
          description: pattern,
        });
      }
    });
  });

  it('refuses admin, even for a client_credentials client', async () => {
    const metadata = validateClientMetadata({
      grant_types: ['client_credentials'],
      scope: 'admin',
    });
    expectOAuthError(
      () => checkSelfRegisteredMetadata(metadata),
      InvalidClientMetadata,
      'invalid_client_metadata',
      /^scope admin cannot be registered dynamically$/,
    );
  });

  it('refuses skip_consent', async () => {
    const metadata = validateClientMetadata({
      redirect_uris: ['https://app.example.com/cb'],
      skip_consent: true,
    });
    expectOAuthError(
      () => checkSelfRegisteredMetadata(metadata),
      InvalidClientMetadata,
      'invalid_client_metadata',
      /^skip_consent cannot be set through dynamic registration$/,
    );
  });

  it('reads the initial access token lifetime: 60 s to 30 days, default 1 day', async () => {
    expect(readIatLifetime(undefined)).toBe(86_400);
    expect(readIatLifetime(60)).toBe(60);
    expect(readIatLifetime(2_592_000)).toBe(2_592_000);
    for (const value of [59, 2_592_001, 1.5, '600']) {
      expectOAuthError(
        () => readIatLifetime(value),
        InvalidRequest,
        'invalid_request',
        /^expires_in must be an integer between 60 and 2592000$/,
      );
    }
  });

  it('reads max_uses: 1 to 10000, default 1', async () => {
    expect(readIatMaxUses(undefined)).toBe(1);
    expect(readIatMaxUses(10_000)).toBe(10_000);
    for (const value of [0, 10_001, 2.5, '2']) {
      expectOAuthError(
        () => readIatMaxUses(value),
        InvalidRequest,
        'invalid_request',
        /^max_uses must be an integer between 1 and 10000$/,
      );
    }
  });

  it('reads the RFC 7592 action', async () => {
    expect(readManageAction('read')).toBe('read');
    expect(readManageAction('update')).toBe('update');
    expect(readManageAction('delete')).toBe('delete');
    for (const value of ['READ', 'replace', undefined, 1]) {
      expectOAuthError(
        () => readManageAction(value),
        InvalidRequest,
        'invalid_request',
        /^action must be one of read, update, delete$/,
      );
    }
  });

  it('lets an update name its own client_id or none, never another', async () => {
    expect(() => checkClientIdUnchanged({ client_id: 'abc' }, 'abc')).not.toThrow();
    expect(() => checkClientIdUnchanged({}, 'abc')).not.toThrow();
    expect(() => checkClientIdUnchanged(null, 'abc')).not.toThrow();
    expectOAuthError(
      () => checkClientIdUnchanged({ client_id: 'other' }, 'abc'),
      InvalidRequest,
      'invalid_request',
      /^client_id in the metadata must be the client_id being updated$/,
    );
  });
});
