import { userChanges } from './user-changes';
import type { UserEntity } from './user.entity';

const BEFORE = new Date('2030-01-01T00:00:00.000Z');
const NOW = new Date('2030-02-01T00:00:00.000Z');

function current(overrides: Partial<UserEntity> = {}): UserEntity {
  return {
    id: 'u1',
    seq: '1',
    username: 'Alice',
    usernameNormalized: 'alice',
    passwordHash: '$argon2id$old',
    email: 'alice@example.com',
    emailVerified: true,
    name: 'Alice',
    givenName: null,
    familyName: null,
    disabled: false,
    groups: [],
    roles: [],
    resourceRoles: {},
    attributes: {},
    createdAt: BEFORE,
    updatedAt: BEFORE,
    ...overrides,
  };
}

describe('userChanges (RFC 7396 merge patch of a user)', () => {
  it('changes nothing (and not updated_at) for an empty patch or one restating values', () => {
    expect(userChanges(current(), {}, undefined, NOW)).toBeUndefined();
    expect(
      userChanges(
        current(),
        { username: 'Alice', email: 'alice@example.com', name: 'Alice', disabled: false },
        undefined,
        NOW,
      ),
    ).toBeUndefined();
  });

  it('sets a new username in NFKC with its key', () => {
    expect(userChanges(current(), { username: 'Ｂｏｂ' }, undefined, NOW)).toEqual({
      username: 'Bob',
      usernameNormalized: 'bob',
      updatedAt: NOW,
    });
    expect(userChanges(current(), { username: 'ALICE' }, undefined, NOW)).toEqual({
      username: 'ALICE',
      usernameNormalized: 'alice',
      updatedAt: NOW,
    });
  });

  it('takes the new password hash', () => {
    expect(userChanges(current(), { password: 'x' }, '$argon2id$new', NOW)).toEqual({
      passwordHash: '$argon2id$new',
      updatedAt: NOW,
    });
  });

  it('null clears a profile field; absent keeps it', () => {
    expect(userChanges(current(), { name: null }, undefined, NOW)).toEqual({
      name: null,
      updatedAt: NOW,
    });
    expect(userChanges(current(), { given_name: 'Al', family_name: 'L' }, undefined, NOW)).toEqual({
      givenName: 'Al',
      familyName: 'L',
      updatedAt: NOW,
    });
  });

  it('a new email address is unverified unless the patch says it is verified', () => {
    expect(userChanges(current(), { email: 'new@example.com' }, undefined, NOW)).toEqual({
      email: 'new@example.com',
      emailVerified: false,
      updatedAt: NOW,
    });
    expect(
      userChanges(current(), { email: 'new@example.com', email_verified: true }, undefined, NOW),
    ).toEqual({ email: 'new@example.com', emailVerified: true, updatedAt: NOW });
    expect(userChanges(current(), { email: null }, undefined, NOW)).toEqual({
      email: null,
      emailVerified: false,
      updatedAt: NOW,
    });
  });

  it('email_verified alone changes the flag', () => {
    expect(userChanges(current(), { email_verified: false }, undefined, NOW)).toEqual({
      emailVerified: false,
      updatedAt: NOW,
    });
  });

  it('disabled toggles', () => {
    expect(userChanges(current(), { disabled: true }, undefined, NOW)).toEqual({
      disabled: true,
      updatedAt: NOW,
    });
    expect(userChanges(current({ disabled: true }), { disabled: true }, undefined, NOW)).toBe(
      undefined,
    );
  });
});
