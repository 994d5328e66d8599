import * as fs from 'node:fs';
import { CliHarness } from './fixtures/cli-harness';
import { FakeAdminApi } from './fixtures/fake-admin-api';

describe('admin API token handling', () => {
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

  it('reuses the token login got for later commands, without discovery', async () => {
    expect((await cli.run(['clients', 'list'])).code).toBe(0);
    expect((await cli.run(['resources', 'list'])).code).toBe(0);

    expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.headers.authorization}`)).toEqual([
      'GET /admin/clients Bearer at-1',
      'GET /admin/resources Bearer at-1',
    ]);
  });

  it('gets a new token once the cached one is about to expire, and keeps it', async () => {
    cli.now += 300_000 - 29_000; // inside the 30 s renewal margin

    expect((await cli.run(['clients', 'list'])).code).toBe(0);
    expect((await cli.run(['clients', 'list'])).code).toBe(0);

    expect(
      fake.requests.map((r) => `${r.method} ${r.path} ${r.headers.authorization ?? ''}`),
    ).toEqual([
      expect.stringMatching(/^POST \/token Basic /),
      'GET /admin/clients Bearer at-2',
      'GET /admin/clients Bearer at-2',
    ]);
    expect(cli.readCredentials()).toMatchObject({
      access_token: 'at-2',
      access_token_expires_at: cli.now + 300_000,
      client_secret: fake.admin.secret,
    });
    expect(fs.statSync(cli.credentialsFile).mode & 0o777).toBe(0o600);
  });

  it('gets a new token and retries once when the server answers 401', async () => {
    fake.revokeTokens();

    const result = await cli.run(['clients', 'list']);

    expect(result.code).toBe(0);
    expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'GET /admin/clients 401',
      'POST /token 200',
      'GET /admin/clients 200',
    ]);
    expect(fake.requests[2]!.headers.authorization).toBe('Bearer at-2');
    expect(cli.readCredentials().access_token).toBe('at-2');
  });

  it('retries only once: a second 401 is reported with the server error', async () => {
    fake.rejectAllTokens = true;

    const result = await cli.run(['clients', 'get', 'abc']);

    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'latchkey: invalid_token: the access token is expired or invalid (HTTP 401 from GET /admin/clients/abc)\n',
    });
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /admin/clients/abc',
      'POST /token',
      'GET /admin/clients/abc',
    ]);
  });

  it('asks to log in again when the stored credentials are refused', async () => {
    fake.revokeTokens();
    fake.admin.secret = 'rotated-by-someone-else';
    try {
      const result = await cli.run(['clients', 'list']);

      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'latchkey: the server refused the admin client credentials: invalid_client: client ' +
          'authentication failed (HTTP 401 from POST /token); run `latchkey login` again\n',
      );
    } finally {
      fake.admin.secret = 'adm1n s3cret:+/%';
    }
  });

  it('uses LATCHKEY_* credentials instead of the file, keeping their token in memory only', async () => {
    fs.rmSync(cli.credentialsFile);
    const env = {
      LATCHKEY_ISSUER: fake.issuer,
      LATCHKEY_CLIENT_ID: fake.admin.id,
      LATCHKEY_CLIENT_SECRET: fake.admin.secret,
    };

    const result = await cli.run(['clients', 'list'], { env });

    expect(result.code).toBe(0);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /.well-known/openid-configuration',
      'POST /token',
      'GET /admin/clients',
    ]);
    expect(fs.existsSync(cli.credentialsFile)).toBe(false);
  });

  it('warns when the credentials file is readable by others', async () => {
    fs.chmodSync(cli.credentialsFile, 0o644);

    const result = await cli.run(['clients', 'list']);

    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      `Warning: ${cli.credentialsFile} is readable by other users (mode 644); run: chmod 600 ${cli.credentialsFile}\n`,
    );
  });

  it('reports a corrupt credentials file', async () => {
    fs.writeFileSync(cli.credentialsFile, '{"issuer": 1}');

    const result = await cli.run(['clients', 'list']);

    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `latchkey: ${cli.credentialsFile} is not a valid credentials file; run \`latchkey login\` again\n`,
    });
  });
});
