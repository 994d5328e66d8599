import { InvalidRequest } from '@latchkey/oauth';
import { expectOAuthError } from '@latchkey/testing';
import { type ResourceInput, validateResource, validateResourcePatch } from './resource-input';

const ISSUER = 'https://id.example.test';
const API = 'https://api.example.com';

async function expectInvalid(fn: () => unknown, pattern: RegExp): Promise<void> {
  expectOAuthError(fn, InvalidRequest, 'invalid_request', pattern);
}

describe('validateResource', () => {
  it('fills in the defaults', () => {
    expect(validateResource({ identifier: API, name: ' Orders API ' }, ISSUER)).toEqual({
      identifier: API,
      name: 'Orders API',
      scopes: [],
      roles: [],
      scope_descriptions: {},
      access_token_lifetime: 3600,
    });
  });

  it('keeps a trimmed description per listed scope', () => {
    expect(
      validateResource(
        {
          identifier: API,
          name: 'Orders',
          scopes: ['orders:read', 'orders:write'],
          scope_descriptions: { 'orders:read': ' See your orders ' },
        },
        ISSUER,
      ).scope_descriptions,
    ).toEqual({ 'orders:read': 'See your orders' });
  });

  it('keeps every field and ignores unknown ones', () => {
    expect(
      validateResource(
        {
          identifier: 'http://127.0.0.1:8081/api',
          name: 'Local',
          scopes: ['orders:read', 'orders:write'],
          roles: ['clerk', 'orders:admin'],
          access_token_lifetime: 60,
          owner: 'someone',
        },
        ISSUER,
      ),
    ).toEqual({
      identifier: 'http://127.0.0.1:8081/api',
      name: 'Local',
      scopes: ['orders:read', 'orders:write'],
      roles: ['clerk', 'orders:admin'],
      scope_descriptions: {},
      access_token_lifetime: 60,
    });
  });

  it.each([
    [{ roles: 'clerk' }, /roles must be an array of role names$/],
    [{ roles: ['has space'] }, /roles\[0\] must be 1 to 128 characters/],
    [{ roles: ['a', 'a'] }, /roles\[1\] repeats an earlier role$/],
  ])('refuses bad roles %j', (roles, message) => {
    expect(() => validateResource({ identifier: API, name: 'Orders', ...roles }, ISSUER)).toThrow(
      message,
    );
  });

  it.each([
    [null, /^resource must be a JSON object$/],
    [[], /^resource must be a JSON object$/],
    [{ name: 'x' }, /^identifier is required$/],
    [{ identifier: 42, name: 'x' }, /^identifier must be a string$/],
    [{ identifier: '/api', name: 'x' }, /^identifier must be an absolute URI$/],
    [{ identifier: `${API}#v1`, name: 'x' }, /^identifier must not contain a fragment$/],
    [{ identifier: 'http://api.example.com', name: 'x' }, /^identifier must use https/],
    [{ identifier: ISSUER, name: 'x' }, /^identifier must not be the issuer$/],
    [{ identifier: `${ISSUER}/`, name: 'x' }, /^identifier must not be the issuer$/],
    [{ identifier: API }, /^name is required$/],
    [{ identifier: API, name: 7 }, /^name must be a string$/],
    [{ identifier: API, name: '  ' }, /^name must not be empty$/],
    [{ identifier: API, name: 'x'.repeat(201) }, /^name must be at most 200 characters$/],
    [{ identifier: API, name: 'a\nb' }, /^name must not contain control or bidi characters$/],
    [{ identifier: API, name: 'x', scopes: 'a b' }, /^scopes must be an array of scope tokens$/],
    [{ identifier: API, name: 'x', scopes: ['a', 'b c'] }, /^scopes\[1\] must be a scope token/],
    [{ identifier: API, name: 'x', scopes: [''] }, /^scopes\[0\] must be a scope token/],
    [{ identifier: API, name: 'x', scopes: [1] }, /^scopes\[0\] must be a scope token/],
    [
      { identifier: API, name: 'x', scopes: ['a'], scope_descriptions: ['x'] },
      /^scope_descriptions must be a JSON object$/,
    ],
    [
      { identifier: API, name: 'x', scopes: ['a'], scope_descriptions: { b: 'B' } },
      /^scope_descriptions may only describe scopes listed in scopes$/,
    ],
    [
      { identifier: API, name: 'x', scopes: ['a'], scope_descriptions: { a: 1 } },
      /^scope_descriptions of scopes\[0\] must be a string$/,
    ],
    [
      { identifier: API, name: 'x', scopes: ['a'], scope_descriptions: { a: ' ' } },
      /^scope_descriptions of scopes\[0\] must be 1 to 300 characters$/,
    ],
    [
      { identifier: API, name: 'x', scopes: ['a'], scope_descriptions: { a: 'x\u202ey' } },
      /^scope_descriptions of scopes\[0\] must not contain control or bidi characters$/,
    ],
    [{ identifier: API, name: 'x', scopes: ['a"b'] }, /^scopes\[0\] must be a scope token/],
    [{ identifier: API, name: 'x', scopes: ['a', 'a'] }, /^scopes\[1\] repeats an earlier scope$/],
    [
      { identifier: API, name: 'x', scopes: Array.from({ length: 201 }, (_, i) => `s${i}`) },
      /^scopes must have at most 200 entries$/,
    ],
    [
      { identifier: API, name: 'x', access_token_lifetime: 59 },
      /^access_token_lifetime must be an integer between 60 and 86400 seconds$/,
    ],
    [
      { identifier: API, name: 'x', access_token_lifetime: 86_401 },
      /^access_token_lifetime must be an integer between 60 and 86400 seconds$/,
    ],
    [
      { identifier: API, name: 'x', access_token_lifetime: '3600' },
      /^access_token_lifetime must be an integer/,
    ],
  ])('rejects %p', async (input, pattern) => {
    await expectInvalid(() => validateResource(input, ISSUER), pattern);
  });

  it.each(['openid', 'profile', 'email', 'address', 'phone', 'offline_access', 'admin'])(
    'rejects the reserved scope %s',
    async (scope) => {
      await expectInvalid(
        () => validateResource({ identifier: API, name: 'x', scopes: ['ok', scope] }, ISSUER),
        new RegExp(`^scopes\\[1\\] is the reserved scope ${scope}$`),
      );
    },
  );
});

describe('validateResourcePatch', () => {
  const existing: ResourceInput = {
    identifier: API,
    name: 'Orders',
    scopes: ['orders:read'],
    roles: [],
    scope_descriptions: { 'orders:read': 'See your orders' },
    access_token_lifetime: 600,
  };

  it('merges: absent keeps, a value replaces, null resets to the default', () => {
    expect(validateResourcePatch(existing, { name: 'Orders v2' })).toEqual({
      ...existing,
      name: 'Orders v2',
    });
    expect(validateResourcePatch(existing, { scopes: null, access_token_lifetime: null })).toEqual({
      ...existing,
      scopes: [],
      scope_descriptions: {},
      access_token_lifetime: 3600,
    });
    expect(validateResourcePatch(existing, {})).toEqual(existing);
  });

  it('merges scope_descriptions key by key; a removed scope takes its description along', () => {
    const two = { ...existing, scopes: ['orders:read', 'orders:write'] };
    expect(
      validateResourcePatch(two, { scope_descriptions: { 'orders:write': 'Change your orders' } })
        .scope_descriptions,
    ).toEqual({ 'orders:read': 'See your orders', 'orders:write': 'Change your orders' });
    expect(
      validateResourcePatch(two, { scope_descriptions: { 'orders:read': null } })
        .scope_descriptions,
    ).toEqual({});
    expect(validateResourcePatch(two, { scopes: ['orders:write'] }).scope_descriptions).toEqual({});
    expect(validateResourcePatch(two, { scope_descriptions: null }).scope_descriptions).toEqual({});
  });

  it('accepts the unchanged identifier and validates the result as a whole', async () => {
    expect(validateResourcePatch(existing, { identifier: API, name: 'N' }).name).toBe('N');
    await expectInvalid(
      () => validateResourcePatch(existing, { scopes: ['orders:read', 'openid'] }),
      /reserved scope openid/,
    );
    await expectInvalid(
      () => validateResourcePatch(existing, { name: null }),
      /^name is required$/,
    );
  });

  it('refuses to change the identifier, or a patch that is not an object', async () => {
    await expectInvalid(
      () => validateResourcePatch(existing, { identifier: 'https://other.example.com' }),
      /^identifier cannot be changed$/,
    );
    await expectInvalid(
      () => validateResourcePatch(existing, [1]),
      /^patch must be a JSON object$/,
    );
  });
});
