import { claimAt, mappedGroups, mappedProfile, subjectOf } from './upstream-claims';

const MAPPING = {
  email: 'email',
  email_verified: 'email_verified',
  name: 'name',
  given_name: 'given_name',
  family_name: 'family_name',
  preferred_username: 'login',
  groups: 'realm_access.roles',
};

describe('upstream claims', () => {
  it('reads nested claims by a dotted name, a flat claim of that name first', () => {
    expect(claimAt({ a: { b: 1 } }, 'a.b')).toBe(1);
    expect(claimAt({ 'a.b': 2, a: { b: 1 } }, 'a.b')).toBe(2);
    expect(claimAt({ a: 'x' }, 'a.b')).toBeUndefined();
  });

  it('takes a string subject or a whole-number one (GitHub id), nothing else', () => {
    expect(subjectOf({ sub: 'abc' }, 'sub')).toBe('abc');
    expect(subjectOf({ id: 4242 }, 'id')).toBe('4242');
    expect(subjectOf({ id: 1.5 }, 'id')).toBeUndefined();
    expect(subjectOf({ sub: '' }, 'sub')).toBeUndefined();
    expect(subjectOf({ sub: 'a\nb' }, 'sub')).toBeUndefined();
    expect(subjectOf({ sub: 'x'.repeat(256) }, 'sub')).toBeUndefined();
    expect(subjectOf({}, 'sub')).toBeUndefined();
  });

  it('maps well-typed claims and leaves out the rest', () => {
    expect(
      mappedProfile(
        { email: 'a@example.test', email_verified: true, name: 'A', given_name: 7, login: 'a' },
        MAPPING,
      ),
    ).toEqual({
      email: 'a@example.test',
      email_verified: true,
      name: 'A',
      preferred_username: 'a',
    });
  });

  it('counts an e-mail as verified only when the upstream says so', () => {
    expect(mappedProfile({ email: 'a@x.test' }, MAPPING).email_verified).toBe(false);
    expect(
      mappedProfile({ email: 'a@x.test', email_verified: 'true' }, MAPPING).email_verified,
    ).toBe(true);
    expect(mappedProfile({ email: 'a@x.test', email_verified: 1 }, MAPPING).email_verified).toBe(
      false,
    );
    expect(mappedProfile({ email_verified: true }, MAPPING).email_verified).toBeUndefined();
  });

  it('maps groups from a list or one string, deduplicated, strings only', () => {
    expect(mappedGroups({ realm_access: { roles: ['a', 'b', 'a', 3] } }, MAPPING)).toEqual([
      'a',
      'b',
    ]);
    expect(mappedGroups({ realm_access: { roles: 'a' } }, MAPPING)).toEqual(['a']);
    expect(mappedGroups({ realm_access: { roles: ['a'] } }, { groups: undefined })).toEqual([]);
  });
});
