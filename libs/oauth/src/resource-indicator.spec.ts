import { expectOAuthError } from '@latchkey/testing';
import { InvalidRequest, InvalidTarget } from './errors/oauth-error';
import { checkResourceIndicator, readResourceIndicator } from './resource-indicator';

describe('checkResourceIndicator', () => {
  it.each([
    'https://api.example.com',
    'https://api.example.com/orders/',
    'https://api.example.com:8443/v1?tenant=a',
    'urn:example:orders',
    'http://127.0.0.1:9000/api',
  ])('accepts the absolute URI %s', (uri) => {
    expect(() => checkResourceIndicator(uri)).not.toThrow();
  });

  it.each([
    ['a relative reference', '/orders'],
    ['a bare word', 'orders'],
    ['a network-path reference', '//api.example.com'],
    ['an empty string', ''],
    ['a value with a space', 'https://api.example.com/a b'],
    ['a value with surrounding spaces', ' https://api.example.com'],
    ['non-ASCII', 'https://äpi.example.com'],
    ['a scheme starting with a digit', '1https://api.example.com'],
  ])('rejects %s with invalid_target', (_label, uri) => {
    expectOAuthError(
      () => checkResourceIndicator(uri),
      InvalidTarget,
      'invalid_target',
      /absolute URI/,
    );
  });

  it.each(['https://api.example.com/#x', 'https://api.example.com#', 'urn:a#b'])(
    'rejects the fragment in %s',
    (uri) => {
      expectOAuthError(
        () => checkResourceIndicator(uri),
        InvalidTarget,
        'invalid_target',
        /fragment/,
      );
    },
  );

  it('rejects a value the URL parser refuses', () => {
    expectOAuthError(
      () => checkResourceIndicator('https://exa[mple.com'),
      InvalidTarget,
      'invalid_target',
      /absolute URI/,
    );
  });

  it('rejects a non-string', () => {
    expectOAuthError(
      () => checkResourceIndicator(42 as unknown as string),
      InvalidTarget,
      'invalid_target',
    );
  });
});

describe('readResourceIndicator', () => {
  it('is undefined when absent, empty, or without params', () => {
    expect(readResourceIndicator(undefined)).toBeUndefined();
    expect(readResourceIndicator({})).toBeUndefined();
    expect(readResourceIndicator({ resource: '' })).toBeUndefined();
    expect(readResourceIndicator({ resource: [] })).toBeUndefined();
  });

  it('reads one value, also from a list of one', () => {
    expect(readResourceIndicator({ resource: 'https://api.example.com' })).toBe(
      'https://api.example.com',
    );
    expect(readResourceIndicator({ resource: ['https://api.example.com'] })).toBe(
      'https://api.example.com',
    );
  });

  it('ignores an inherited resource property', () => {
    const params = Object.create({ resource: 'https://api.example.com' }) as Record<
      string,
      unknown
    >;
    expect(readResourceIndicator(params)).toBeUndefined();
  });

  it('refuses several values with invalid_target, even identical ones', () => {
    for (const resource of [
      ['https://a.example.com', 'https://b.example.com'],
      ['https://a.example.com', 'https://a.example.com'],
    ]) {
      expectOAuthError(
        () => readResourceIndicator({ resource }),
        InvalidTarget,
        'invalid_target',
        /only one resource/,
      );
    }
  });

  it('refuses a non-string value with invalid_request', () => {
    expectOAuthError(
      () => readResourceIndicator({ resource: { a: 'b' } }),
      InvalidRequest,
      'invalid_request',
      /must be a string/,
    );
  });

  it('validates the value', () => {
    expectOAuthError(
      () => readResourceIndicator({ resource: 'https://api.example.com/#frag' }),
      InvalidTarget,
      'invalid_target',
      /fragment/,
    );
  });
});
