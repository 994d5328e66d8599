import { expectOAuthError } from '@latchkey/testing';
import { InvalidScope } from './errors/oauth-error';
import {
  checkScopesAllowed,
  formatScope,
  isValidScopeToken,
  narrowScope,
  parseScope,
} from './scope';

describe('parseScope', () => {
  it('splits on spaces', () => {
    expect([...parseScope('openid profile email')]).toEqual(['openid', 'profile', 'email']);
  });

  it('tolerates runs of spaces and surrounding spaces', () => {
    expect([...parseScope('  openid   profile ')]).toEqual(['openid', 'profile']);
  });

  it('drops duplicates, keeping first-seen order', () => {
    expect([...parseScope('b a b a')]).toEqual(['b', 'a']);
  });

  it('is case-sensitive', () => {
    expect([...parseScope('openid OpenID')]).toEqual(['openid', 'OpenID']);
  });

  it('gives an empty set for an empty or all-space string', () => {
    expect(parseScope('').size).toBe(0);
    expect(parseScope('   ').size).toBe(0);
  });

  it('accepts every character of the scope-token alphabet', () => {
    const all = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i))
      .filter((c) => c !== '"' && c !== '\\')
      .join('');
    expect([...parseScope(all)]).toEqual([all]);
    expect([...parseScope('api:read https://api.example.com/x.write')]).toHaveLength(2);
  });

  it.each([
    ['a double quote', 'openid "profile"'],
    ['a backslash', 'openid pro\\file'],
    ['a tab', 'openid\tprofile'],
    ['a newline', 'openid\nprofile'],
    ['a carriage return', 'openid\r\nprofile'],
    ['a NUL', 'openid\u0000'],
    ['DEL', 'openid\u007f'],
    ['a non-breaking space', 'openid\u00a0profile'],
    ['non-ASCII', 'öpenid'],
    ['an emoji', 'openid \u{1F600}'],
  ])('rejects %s', (_label, scope) => {
    expectOAuthError(() => parseScope(scope), InvalidScope, 'invalid_scope', /%x21/);
  });

  it.each([[undefined], [null], [42], [['openid']]])('rejects the non-string %p', (scope) => {
    expectOAuthError(
      () => parseScope(scope as unknown as string),
      InvalidScope,
      'invalid_scope',
      /must be a string/,
    );
  });
});

describe('isValidScopeToken', () => {
  it('accepts tokens and rejects everything else', () => {
    expect(isValidScopeToken('offline_access')).toBe(true);
    expect(isValidScopeToken('')).toBe(false);
    expect(isValidScopeToken('a b')).toBe(false);
    expect(isValidScopeToken('a"')).toBe(false);
    expect(isValidScopeToken(7)).toBe(false);
  });
});

describe('formatScope', () => {
  it('joins with single spaces', () => {
    expect(formatScope(new Set(['openid', 'profile']))).toBe('openid profile');
    expect(formatScope(['a', 'b', 'a'])).toBe('a b');
    expect(formatScope([])).toBe('');
  });

  it('round-trips parseScope', () => {
    expect(formatScope(parseScope('  openid  email openid '))).toBe('openid email');
  });
});

describe('checkScopesAllowed', () => {
  const allowed = new Set(['openid', 'profile', 'offline_access']);

  it('passes for a subset, the full set and the empty set', () => {
    expect(() => checkScopesAllowed(['openid'], allowed)).not.toThrow();
    expect(() => checkScopesAllowed(allowed, allowed)).not.toThrow();
    expect(() => checkScopesAllowed([], allowed)).not.toThrow();
  });

  it('refuses without repeating the requested scopes', () => {
    const error = expectOAuthError(
      () => checkScopesAllowed(['openid', 'admin', 'email', 'admin'], allowed),
      InvalidScope,
      'invalid_scope',
    );
    expect(error.description).toBe('scope not allowed for this client');
  });

  it('is case-sensitive', () => {
    expectOAuthError(() => checkScopesAllowed(['OpenID'], allowed), InvalidScope, 'invalid_scope');
  });

  it('allows nothing when nothing is allowed', () => {
    expectOAuthError(() => checkScopesAllowed(['openid'], []), InvalidScope, 'invalid_scope');
  });
});

describe('narrowScope', () => {
  const granted = new Set(['openid', 'profile', 'offline_access']);

  it('keeps the whole grant when scope is omitted', () => {
    const result = narrowScope(undefined, granted);
    expect(result).toEqual(granted);
    expect(result).not.toBe(granted);
  });

  it('may shrink', () => {
    expect(narrowScope(new Set(['openid']), granted)).toEqual(new Set(['openid']));
  });

  it('may ask for exactly the grant', () => {
    expect(narrowScope(new Set(granted), granted)).toEqual(granted);
  });

  it('never grows, naming the added scopes', () => {
    const error = expectOAuthError(
      () => narrowScope(new Set(['openid', 'email', 'admin']), granted),
      InvalidScope,
      'invalid_scope',
    );
    expect(error.description).toBe('scope exceeds the original grant');
  });

  it('rejects a present but empty scope', () => {
    expectOAuthError(
      () => narrowScope(new Set(), granted),
      InvalidScope,
      'invalid_scope',
      /at least one/,
    );
  });
});
