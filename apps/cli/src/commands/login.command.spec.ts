import * as fs from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { CliHarness } from '../fixtures/cli-harness';
import { FakeAdminApi } from '../fixtures/fake-admin-api';

describe('latchkey login / logout', () => {
  let fake: FakeAdminApi;
  let cli: CliHarness;

  beforeAll(async () => {
    fake = await FakeAdminApi.start();
  });
  afterAll(async () => {
    await fake.stop();
  });
  beforeEach(() => {
    fake.reset();
    cli = new CliHarness();
  });
  afterEach(() => cli.cleanup());

  it('gets an admin token through discovery and stores the credentials 0600 in a 0700 directory', async () => {
    const result = await cli.login(fake.issuer, fake.admin.id, fake.admin.secret);

    expect(result).toEqual({
      code: 0,
      stdout:
        JSON.stringify(
          { issuer: fake.issuer, client_id: fake.admin.id, credentials_file: cli.credentialsFile },
          null,
          2,
        ) + '\n',
      stderr: '',
    });
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /.well-known/openid-configuration',
      'POST /token',
    ]);
    const token = fake.tokenRequests()[0]!;
    // RFC 6749 §2.3.1: id and secret form-urlencoded, then base64.
    const basic = Buffer.from('admin-cli:adm1n+s3cret%3A%2B%2F%25').toString('base64');
    expect(token.headers.authorization).toBe(`Basic ${basic}`);
    expect(Object.fromEntries(new URLSearchParams(token.body))).toEqual({
      grant_type: 'client_credentials',
      scope: 'admin',
    });
    expect(fs.statSync(cli.credentialsFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(cli.credentialsFile)).mode & 0o777).toBe(0o700);
    expect(cli.readCredentials()).toEqual({
      issuer: fake.issuer,
      token_endpoint: `${fake.issuer}/token`,
      client_id: 'admin-cli',
      client_secret: 'adm1n s3cret:+/%',
      access_token: 'at-1',
      access_token_expires_at: cli.now + 300_000,
    });
    expect(fs.readdirSync(path.dirname(cli.credentialsFile))).toEqual(['credentials.json']);
  });

  it('never echoes the secret, and says where it stored it on a terminal', async () => {
    const result = await cli.run(
      [
        'login',
        '--issuer',
        `${fake.issuer}/`,
        '--client-id',
        fake.admin.id,
        '--client-secret-stdin',
      ],
      { stdin: `${fake.admin.secret}\n`, tty: true },
    );

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `Logged in to ${fake.issuer} as admin-cli.\nCredentials saved to ${cli.credentialsFile}\n`,
    );
    expect(result.stdout + result.stderr).not.toContain('s3cret');
    expect(result.stdout + result.stderr).not.toContain('at-1');
  });

  it('warns that --client-secret is visible in shell history, without repeating it', async () => {
    const result = await cli.run([
      'login',
      '--issuer',
      fake.issuer,
      '--client-id',
      fake.admin.id,
      '--client-secret',
      fake.admin.secret,
    ]);

    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      'Warning: --client-secret is visible in shell history and process lists; prefer --client-secret-stdin\n',
    );
    expect(result.stdout).not.toContain('s3cret');
  });

  it('takes the issuer and client from LATCHKEY_* variables', async () => {
    const result = await cli.run(['login'], {
      env: {
        LATCHKEY_ISSUER: fake.issuer,
        LATCHKEY_CLIENT_ID: fake.admin.id,
        LATCHKEY_CLIENT_SECRET: fake.admin.secret,
      },
    });

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(cli.readCredentials()).toMatchObject({ issuer: fake.issuer, client_id: 'admin-cli' });
  });

  it('fails with the server error and stores nothing when the secret is wrong', async () => {
    const result = await cli.login(fake.issuer, fake.admin.id, 'wrong-secret');

    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'latchkey: login failed: invalid_client: client authentication failed (HTTP 401 from POST /token)\n',
    });
    expect(fs.existsSync(cli.credentialsFile)).toBe(false);
  });

  it('refuses a discovery document that names another issuer', async () => {
    fake.discoveryIssuer = 'https://evil.example';

    const result = await cli.login(fake.issuer, fake.admin.id, fake.admin.secret);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `latchkey: the discovery document at ${fake.issuer}/.well-known/openid-configuration ` +
        `names issuer "https://evil.example", not ${fake.issuer}\n`,
    );
    expect(fake.tokenRequests()).toHaveLength(0);
    expect(fs.existsSync(cli.credentialsFile)).toBe(false);
  });

  it('fails when the client is not granted the admin scope', async () => {
    fake.grantedScope = 'orders:read';

    const result = await cli.login(fake.issuer, fake.admin.id, fake.admin.secret);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'latchkey: login failed: client admin-cli was not granted the admin scope ' +
        '(granted: orders:read); it cannot use the admin API\n',
    );
    expect(fs.existsSync(cli.credentialsFile)).toBe(false);
  });

  it('says which arguments are missing, with usage, exit 2', async () => {
    const result = await cli.run(['login', '--issuer', fake.issuer]);

    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'latchkey: login needs --client-id, --client-secret-stdin (or --client-secret)\n' +
        'Usage: latchkey login [options]\n' +
        'Run `latchkey login --help` for the options.\n',
    });
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    [
      ['--client-secret', 'x', '--client-secret-stdin'],
      'give either --client-secret or --client-secret-stdin, not both',
    ],
    [['--client-secret-stdin'], '--client-secret-stdin read an empty secret'],
  ])('rejects %j: %s', async (secretArgs, message) => {
    const result = await cli.run(
      ['login', '--issuer', fake.issuer, '--client-id', 'admin-cli', ...secretArgs],
      { stdin: '\n' },
    );

    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(`latchkey: ${message}`);
  });

  it.each([
    ['ftp://example.com', "--issuer must be an http(s) URL, not 'ftp://example.com'"],
    ['not a url', "--issuer must be an http(s) URL, not 'not a url'"],
    ['https://example.com/?tenant=1', '--issuer must not have a query or fragment'],
  ])('rejects the issuer %s', async (issuer, message) => {
    const result = await cli.login(issuer, 'admin-cli', 'secret');

    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(`latchkey: ${message}`);
  });

  it('says so when the server cannot be reached', async () => {
    const closed = await closedPort();
    const result = await cli.login(`http://127.0.0.1:${closed}`, 'admin-cli', 'secret');

    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `latchkey: cannot reach http://127.0.0.1:${closed}: ECONNREFUSED\n`,
    });
  });

  it('tightens an existing config directory to 0700', async () => {
    fs.mkdirSync(path.dirname(cli.credentialsFile), { recursive: true, mode: 0o755 });
    fs.chmodSync(path.dirname(cli.credentialsFile), 0o755);

    expect((await cli.login(fake.issuer, fake.admin.id, fake.admin.secret)).code).toBe(0);

    expect(fs.statSync(path.dirname(cli.credentialsFile)).mode & 0o777).toBe(0o700);
  });

  it('logout deletes the credentials; a second logout says there were none', async () => {
    await cli.login(fake.issuer, fake.admin.id, fake.admin.secret);

    const first = await cli.run(['logout'], { tty: true });
    const second = await cli.run(['logout'], { tty: true });

    expect(first).toEqual({
      code: 0,
      stdout: `Logged out: deleted ${cli.credentialsFile}\n`,
      stderr: '',
    });
    expect(fs.existsSync(cli.credentialsFile)).toBe(false);
    expect(second).toEqual({
      code: 0,
      stdout: `Not logged in (no ${cli.credentialsFile}).\n`,
      stderr: '',
    });
  });

  it('asks to log in first when there are no credentials', async () => {
    const result = await cli.run(['clients', 'list']);

    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'latchkey: not logged in: run `latchkey login` first (or set LATCHKEY_ISSUER, ' +
        'LATCHKEY_CLIENT_ID and LATCHKEY_CLIENT_SECRET)\n',
    });
    expect(fake.requests).toHaveLength(0);
  });
});

/** A loopback port nothing listens on: one the system just handed out and got back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
