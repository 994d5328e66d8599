import { expectOAuthError } from '@latchkey/testing';
import { InvalidScope } from './errors/oauth-error';
import { checkNoOidcScopes, isOidcScope, OIDC_SCOPES, withoutOidcScopes } from './oidc-scopes';

describe('OIDC scopes', () => {
  it('lists the scopes OpenID Connect Core defines', () => {
    expect([...OIDC_SCOPES].sort()).toEqual(
      ['address', 'email', 'offline_access', 'openid', 'phone', 'profile'].sort(),
    );
  });

  it('recognises them case-sensitively', () => {
    expect(isOidcScope('openid')).toBe(true);
    expect(isOidcScope('offline_access')).toBe(true);
    expect(isOidcScope('OpenID')).toBe(false);
    expect(isOidcScope('orders:read')).toBe(false);
  });

  it('filters them out, keeping order and dropping duplicates', () => {
    expect(withoutOidcScopes(['openid', 'b', 'profile', 'a', 'b', 'admin'])).toEqual([
      'b',
      'a',
      'admin',
    ]);
    expect(withoutOidcScopes([])).toEqual([]);
  });

  it('accepts a request without them', () => {
    expect(() => checkNoOidcScopes(['orders:read', 'admin'])).not.toThrow();
    expect(() => checkNoOidcScopes([])).not.toThrow();
  });

  it.each(OIDC_SCOPES)('refuses %s with invalid_scope', (scope) => {
    expectOAuthError(
      () => checkNoOidcScopes(['orders:read', scope]),
      InvalidScope,
      'invalid_scope',
      new RegExp(`end-user: ${scope}$`),
    );
  });
});
