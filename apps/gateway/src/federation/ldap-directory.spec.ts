import type { IdentityProviderRecord } from '@latchkey/contracts';
import { STRICT_OUTBOUND_POLICY } from '@latchkey/oauth';
import { OutboundHttp } from '@latchkey/platform';
import { InvalidCredentialsError } from 'ldapts';
import { LdapDirectory } from './ldap-directory';
import { UpstreamLoginError } from './upstream-error';

/** Every ldapts Client made, in order: what it was asked, and what it answers. */
const clients: FakeClient[] = [];
let searchAnswers: (() => Promise<{ searchEntries: unknown[] }>)[] = [];

class FakeClient {
  binds: [string, string][] = [];
  bound = false;
  closed = false;
  constructor() {
    clients.push(this);
  }
  get isConnected() {
    return !this.closed;
  }
  get isBound() {
    return this.bound && !this.closed;
  }
  async bind(dn: string, password: string) {
    this.binds.push([dn, password]);
    if (password !== 'right') throw new InvalidCredentialsError('no');
    this.bound = true;
  }
  async search() {
    const next = searchAnswers.shift();
    if (!next) throw new Error('no answer scripted');
    return next();
  }
  async startTLS() {}
  async unbind() {
    this.closed = true;
  }
}

jest.mock('ldapts', () => ({
  ...jest.requireActual<typeof import('ldapts')>('ldapts'),
  Client: jest.fn().mockImplementation(() => new FakeClient()),
}));

const provider = {
  id: 'corp-ldap',
  kind: 'ldap',
  updated_at: '2026-01-01T00:00:00.000Z',
  client_secret: 'right',
  subject_claim: 'entryUUID',
  claim_mapping: { email: 'mail', groups: 'memberOf' },
  ldap: {
    url: 'ldaps://ldap.corp.example',
    start_tls: false,
    tls_ca: null,
    bind_dn: 'cn=svc,dc=corp',
    user_search_base: 'ou=people,dc=corp',
    user_search_filter: '(uid={username})',
    group_search_base: null,
    group_search_filter: '(member={dn})',
    timeout_ms: 1000,
  },
} as unknown as IdentityProviderRecord;

const ada = {
  dn: 'uid=ada,ou=people,dc=corp',
  entryUUID: 'uuid-1',
  mail: 'ada@corp.example',
  memberOf: ['cn=engineers,ou=groups,dc=corp', 'cn=analysts,ou=groups,dc=corp'],
};
const found =
  (...entries: unknown[]) =>
  async () => ({ searchEntries: entries });

describe('LdapDirectory', () => {
  let directory: LdapDirectory;

  beforeEach(() => {
    clients.length = 0;
    searchAnswers = [];
    directory = new LdapDirectory(new OutboundHttp({ policy: STRICT_OUTBOUND_POLICY }));
  });

  it('binds as the entry on a connection of its own, and reads claims and memberOf groups', async () => {
    searchAnswers = [found(ada)];
    await expect(directory.authenticate(provider, 'ada', 'right')).resolves.toEqual({
      outcome: 'authenticated',
      claims: { entryUUID: 'uuid-1', mail: 'ada@corp.example', memberOf: ada.memberOf },
      groups: ['engineers', 'analysts'],
    });
    expect(clients).toHaveLength(2);
    expect(clients[0]!.binds).toEqual([['cn=svc,dc=corp', 'right']]);
    expect(clients[1]!.binds).toEqual([[ada.dn, 'right']]);
    expect(clients[1]!.closed).toBe(true);
  });

  it('reuses the bound service connection for the next sign-in', async () => {
    searchAnswers = [found(ada), found(ada)];
    await directory.authenticate(provider, 'ada', 'right');
    await directory.authenticate(provider, 'ada', 'right');
    // One service connection, and one user connection per sign-in.
    expect(clients.filter((c) => c.binds[0]?.[0] === 'cn=svc,dc=corp')).toHaveLength(1);
    expect(clients).toHaveLength(3);
  });

  it('never binds with an empty password (an anonymous bind would succeed)', async () => {
    searchAnswers = [found(ada)];
    await expect(directory.authenticate(provider, 'ada', '')).resolves.toEqual({
      outcome: 'wrong_password',
    });
    expect(clients).toHaveLength(1);
  });

  it('answers a refused user bind as a wrong password', async () => {
    searchAnswers = [found(ada)];
    await expect(directory.authenticate(provider, 'ada', 'wrong')).resolves.toEqual({
      outcome: 'wrong_password',
    });
  });

  it('finds nobody when two entries answer to one username, without binding', async () => {
    searchAnswers = [found(ada, { ...ada, dn: 'uid=ada,ou=others,dc=corp' })];
    await expect(directory.authenticate(provider, 'ada', 'right')).resolves.toEqual({
      outcome: 'not_found',
    });
    expect(clients).toHaveLength(1);
  });

  it('fails closed when the search fails, and opens a new service connection next time', async () => {
    searchAnswers = [() => Promise.reject(new Error('socket closed')), found(ada)];
    const failure: unknown = await directory
      .authenticate(provider, 'ada', 'right')
      .catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(UpstreamLoginError);
    expect(failure).toMatchObject({ code: 'unreachable' });
    expect(clients[0]!.closed).toBe(true);
    await expect(directory.authenticate(provider, 'ada', 'right')).resolves.toMatchObject({
      outcome: 'authenticated',
    });
    expect(clients[1]!.binds[0]).toEqual(['cn=svc,dc=corp', 'right']);
  });

  it('says the service account was refused (directory_bind_failed)', async () => {
    const refused = { ...provider, client_secret: 'stale' };
    await expect(directory.authenticate(refused, 'ada', 'right')).rejects.toMatchObject({
      code: 'directory_bind_failed',
    });
  });

  it('refuses a directory the outbound policy does not allow, before connecting', async () => {
    const internal = { ...provider, ldap: { ...provider.ldap!, url: 'ldaps://10.0.0.5' } };
    await expect(directory.authenticate(internal, 'ada', 'right')).rejects.toMatchObject({
      code: 'unreachable',
    });
    expect(clients).toHaveLength(0);
  });
});
