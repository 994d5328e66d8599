import type { User } from './user';
import { claimsFor } from './user-claims';

const UPDATED_AT = new Date('2030-05-01T12:34:56.789Z');
const UPDATED_AT_S = Math.floor(UPDATED_AT.getTime() / 1000);

function user(overrides: Partial<User> = {}): User {
  return {
    id: '6f1c2c8e-3d7a-4b8e-9d0a-6b7c1e2f3a4b',
    username: 'Alice',
    email: 'alice@example.com',
    emailVerified: true,
    name: 'Alice Liddell',
    givenName: 'Alice',
    familyName: 'Liddell',
    disabled: false,
    groups: [],
    roles: [],
    resourceRoles: {},
    attributes: {},
    createdAt: new Date('2030-01-01T00:00:00.000Z'),
    updatedAt: UPDATED_AT,
    ...overrides,
  };
}

const scopes = (...names: string[]) => new Set(names);

describe('claimsFor (OIDC Core §5.4)', () => {
  it('releases only sub for openid alone, or for no scope at all', () => {
    expect(claimsFor(user(), scopes('openid'))).toEqual({ sub: user().id });
    expect(claimsFor(user(), scopes())).toEqual({ sub: user().id });
  });

  it('profile: name, given_name, family_name, preferred_username, updated_at in seconds', () => {
    expect(claimsFor(user(), scopes('openid', 'profile'))).toEqual({
      sub: user().id,
      name: 'Alice Liddell',
      given_name: 'Alice',
      family_name: 'Liddell',
      preferred_username: 'Alice',
      updated_at: UPDATED_AT_S,
    });
  });

  it('email: email and email_verified', () => {
    expect(claimsFor(user(), scopes('openid', 'email'))).toEqual({
      sub: user().id,
      email: 'alice@example.com',
      email_verified: true,
    });
    expect(claimsFor(user({ emailVerified: false }), scopes('email'))).toEqual({
      sub: user().id,
      email: 'alice@example.com',
      email_verified: false,
    });
  });

  it('profile and email together', () => {
    expect(Object.keys(claimsFor(user(), scopes('openid', 'profile', 'email'))).sort()).toEqual(
      [
        'email',
        'email_verified',
        'family_name',
        'given_name',
        'name',
        'preferred_username',
        'sub',
        'updated_at',
      ].sort(),
    );
  });

  it('leaves out claims the user has no value for, never null (§5.3.2)', () => {
    const bare = user({ name: null, givenName: null, familyName: null, email: null });
    const claims = claimsFor(bare, scopes('openid', 'profile', 'email'));
    expect(claims).toEqual({
      sub: bare.id,
      preferred_username: 'Alice',
      updated_at: UPDATED_AT_S,
    });
    expect(Object.values(claims)).not.toContain(null);
  });

  it('releases nothing for scopes it does not know, or for phone and address it has no data for', () => {
    expect(
      claimsFor(user(), scopes('openid', 'offline_access', 'phone', 'address', 'admin')),
    ).toEqual({ sub: user().id });
  });

  it('never releases the disabled flag or internal dates', () => {
    const claims = claimsFor(user(), scopes('openid', 'profile', 'email')) as unknown as Record<
      string,
      unknown
    >;
    expect(claims.disabled).toBeUndefined();
    expect(claims.created_at).toBeUndefined();
  });
});

describe('claimsFor: attributes, groups and claim scopes (docs/architecture.md §7)', () => {
  const at = '2030-01-01T00:00:00.000Z';
  const claimScopes = new Map([
    [
      'user_profile',
      {
        name: 'user_profile',
        description: null,
        claims: { department: 'department', employee_number: 'employee_id' },
        public: true,
        created_at: at,
        updated_at: at,
      },
    ],
  ]);
  const erin = user({
    groups: ['engineering'],
    attributes: {
      department: 'Finance',
      nickname: 'Al',
      phone_number: '+44 20 7946 0000',
      address: '1 Main St, Springfield',
    },
  });

  it('releases the other standard claims from the attribute of the same name', () => {
    expect(claimsFor(erin, scopes('profile', 'phone', 'address'))).toMatchObject({
      nickname: 'Al',
      phone_number: '+44 20 7946 0000',
      address: { formatted: '1 Main St, Springfield' },
    });
  });

  it("releases a claim scope's mapped claims, leaving out those the user has no value for", () => {
    expect(claimsFor(erin, scopes('user_profile'), claimScopes)).toEqual({
      sub: erin.id,
      department: 'Finance',
    });
    expect(claimsFor(erin, scopes('unknown_scope'), claimScopes)).toEqual({ sub: erin.id });
  });

  it('releases groups only with the groups scope', () => {
    expect(claimsFor(erin, scopes('groups'))).toEqual({ sub: erin.id, groups: ['engineering'] });
    expect(claimsFor(erin, scopes('profile'))).not.toHaveProperty('groups');
  });
});
