import { CliHarness } from '../fixtures/cli-harness';
import { FakeAdminApi } from '../fixtures/fake-admin-api';

describe('latchkey identity-providers', () => {
  let fake: FakeAdminApi;
  let cli: CliHarness;

  beforeAll(async () => {
    fake = await FakeAdminApi.start();
  });
  afterAll(async () => {
    await fake.stop();
  });
  beforeEach(async () => {
    fake.reset();
    cli = new CliHarness();
    expect((await cli.login(fake.issuer, fake.admin.id, fake.admin.secret)).code).toBe(0);
    fake.requests.length = 0;
  });
  afterEach(() => cli.cleanup());

  it('create POSTs the provider, the secret read from stdin and never printed', async () => {
    const result = await cli.run(
      [
        'identity-providers',
        'create',
        'corp',
        '--issuer',
        'https://login.corp.example',
        '--client-id',
        'latchkey',
        '--client-secret-stdin',
        '--domain',
        'corp.example',
        '--domain',
        'corp.example.org',
        '--client',
        'app-1',
        '--scope',
        'openid email',
        '--set',
        'link_by_verified_email=true',
      ],
      { stdin: 'upstream-secret\n' },
    );
    expect(result.code).toBe(0);
    const request = fake.lastAdminRequest();
    expect(`${request.method} ${request.path}`).toBe('POST /admin/identity-providers');
    expect(JSON.parse(request.body)).toEqual({
      id: 'corp',
      kind: 'oidc',
      issuer: 'https://login.corp.example',
      client_id: 'latchkey',
      client_secret: 'upstream-secret',
      domains: ['corp.example', 'corp.example.org'],
      client_ids: ['app-1'],
      scopes: ['openid', 'email'],
      link_by_verified_email: true,
    });
    expect(result.stdout).toContain('client_secret_set');
    expect(result.stdout).not.toContain('upstream-secret');
  });

  it('create registers an LDAP directory, the bind password read from stdin', async () => {
    const result = await cli.run(
      [
        'identity-providers',
        'create',
        'corp-ldap',
        '--kind',
        'ldap',
        '--bind-password-stdin',
        '--set',
        'ldap={"url":"ldaps://ldap.corp.example","bind_dn":"cn=latchkey,dc=corp"}',
      ],
      { stdin: 'bind-secret\n' },
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(fake.lastAdminRequest().body)).toEqual({
      id: 'corp-ldap',
      kind: 'ldap',
      bind_password: 'bind-secret',
      ldap: { url: 'ldaps://ldap.corp.example', bind_dn: 'cn=latchkey,dc=corp' },
    });
    expect(result.stdout).not.toContain('bind-secret');
  });

  it('update sends a merge patch; --disabled turns it off', async () => {
    await cli.run(['identity-providers', 'create', 'gh', '--kind', 'oauth2', '--client-id', 'x']);
    const result = await cli.run(['identity-providers', 'update', 'gh', '--disabled']);
    expect(result.code).toBe(0);
    const request = fake.lastAdminRequest();
    expect(`${request.method} ${request.path}`).toBe('PATCH /admin/identity-providers/gh');
    expect(JSON.parse(request.body)).toEqual({ enabled: false });
  });

  it('update without anything to change is a usage error', async () => {
    const result = await cli.run(['identity-providers', 'update', 'gh']);
    expect(result.code).toBe(2);
  });
});
