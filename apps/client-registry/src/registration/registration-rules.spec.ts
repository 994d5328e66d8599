import { InvalidClientMetadata, InvalidRequest, validateClientMetadata } from '@latchkey/oauth';
import {
  checkClientIdUnchanged,
  checkSelfRegisteredMetadata,
  readIatLifetime,
  readIatMaxUses,
  readManageAction,
} from './registration-rules';
import { expectOAuthError } from '@latchkey/testing';

describe('registration rules', () => {
  it('lets a self-registered client ask for ordinary scopes', () => {
    const metadata = validateClientMetadata({
      redirect_uris: ['https://app.example.com/cb'],
      scope: 'openid profile orders:read',
    });
    expect(() => checkSelfRegisteredMetadata(metadata)).not.toThrow();
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
