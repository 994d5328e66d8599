import type { IdentityProviderRecord, LdapSettings } from '@latchkey/contracts';
import {
  entryClaims,
  groupNameOf,
  groupSearchFilter,
  mappedAttributeNames,
  userSearchFilter,
} from './ldap-entry';

const settings = {
  user_search_filter: '(&(objectClass=person)(|(uid={username})(mail={username})))',
  group_search_filter: '(member={dn})',
} as LdapSettings;

describe('userSearchFilter', () => {
  it('puts the username in every placeholder', () => {
    expect(userSearchFilter(settings, 'ada')).toBe('(&(objectClass=person)(|(uid=ada)(mail=ada)))');
  });

  it.each([
    ['*', '\\2a'],
    ['ada)(uid=*', 'ada\\29\\28uid=\\2a'],
    ['back\\slash', 'back\\5cslash'],
    ['$&', '$&'],
  ])('escapes %j as an RFC 4515 assertion value', (typed, escaped) => {
    expect(userSearchFilter({ ...settings, user_search_filter: '(uid={username})' }, typed)).toBe(
      `(uid=${escaped})`,
    );
  });

  it.each([[''], ['a'.repeat(257)], ['ada\u0000'], ['line\nbreak']])(
    'finds nobody for %j without asking the directory',
    (typed) => {
      expect(userSearchFilter(settings, typed)).toBeUndefined();
    },
  );
});

describe('groupSearchFilter', () => {
  it('escapes the DN', () => {
    expect(groupSearchFilter(settings, 'uid=a\\2c(b),ou=people')).toBe(
      '(member=uid=a\\5c2c\\28b\\29,ou=people)',
    );
  });
});

describe('entryClaims', () => {
  const entry = {
    dn: 'uid=ada,ou=people,dc=example',
    uid: 'ada',
    EntryUUID: '6122a83e-8399-1041-802f-6fe639cea520',
    mail: ['ada@example.test', 'ada.l@example.test'],
    memberOf: ['cn=engineers,ou=groups,dc=example'],
    objectGUID: Buffer.from([0xde, 0xad, 0xbe, 0xef]),
  };

  it('reads attributes case-insensitively under the mapping’s names', () => {
    expect(
      entryClaims(entry, ['entryUUID', 'uid', 'mail', 'memberOf', 'cn', 'objectGUID']),
    ).toEqual({
      entryUUID: '6122a83e-8399-1041-802f-6fe639cea520',
      uid: 'ada',
      mail: ['ada@example.test', 'ada.l@example.test'],
      memberOf: 'cn=engineers,ou=groups,dc=example',
      objectGUID: 'deadbeef',
    });
  });

  it('never takes the DN as an attribute', () => {
    expect(entryClaims(entry, ['dn'])).toEqual({});
  });
});

describe('mappedAttributeNames', () => {
  it('asks for the subject and every mapped attribute once', () => {
    const provider = {
      subject_claim: 'entryUUID',
      claim_mapping: { email: 'mail', name: 'cn', preferred_username: 'uid', groups: 'memberOf' },
    } as unknown as IdentityProviderRecord;
    expect(mappedAttributeNames(provider)).toEqual(['entryUUID', 'mail', 'cn', 'uid', 'memberOf']);
  });
});

describe('groupNameOf', () => {
  it.each([
    ['cn=engineers,ou=groups,dc=example', 'engineers'],
    ['CN=Domain Admins,CN=Users,DC=corp', 'Domain Admins'],
    ['cn=R\\26D\\2c Labs,ou=groups', 'R&D, Labs'],
    ['cn=a\\,b+uid=x,ou=groups', 'a,b'],
    ['cn=caf\\C3\\A9,ou=groups', 'café'],
    ['plain-name', 'plain-name'],
  ])('%j → %j', (dn, name) => {
    expect(groupNameOf(dn)).toBe(name);
  });
});
