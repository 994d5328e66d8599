import { AccessDenied } from '@latchkey/oauth';
import { errorRedirect, successRedirect, withQueryParams } from './authorization-response';

const ISSUER = 'https://id.example.test';

describe('authorization responses', () => {
  it('adds code, state and iss (RFC 9207) to the redirect URI', () => {
    expect(
      successRedirect({ redirect_uri: 'https://app.example/cb', state: 'a b&c' }, 'C0DE', ISSUER),
    ).toBe('https://app.example/cb?code=C0DE&state=a+b%26c&iss=https%3A%2F%2Fid.example.test');
  });

  it('leaves out a state the request did not have', () => {
    expect(successRedirect({ redirect_uri: 'https://app.example/cb' }, 'C', ISSUER)).toBe(
      'https://app.example/cb?code=C&iss=https%3A%2F%2Fid.example.test',
    );
  });

  it('keeps the registered query, and a private-use scheme as registered', () => {
    expect(withQueryParams('https://app.example/cb?tenant=1', { code: 'x' })).toBe(
      'https://app.example/cb?tenant=1&code=x',
    );
    expect(withQueryParams('https://app.example/cb?', { code: 'x' })).toBe(
      'https://app.example/cb?code=x',
    );
    expect(withQueryParams('com.example.app:/cb', { code: 'x' })).toBe(
      'com.example.app:/cb?code=x',
    );
  });

  it('carries error, error_description, state and iss', () => {
    const location = new URL(
      errorRedirect(
        { redirect_uri: 'https://app.example/cb', state: 's' },
        new AccessDenied('the user denied the request'),
        ISSUER,
      ),
    );
    expect(Object.fromEntries(location.searchParams)).toEqual({
      error: 'access_denied',
      error_description: 'the user denied the request',
      state: 's',
      iss: ISSUER,
    });
  });
});
