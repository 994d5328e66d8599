import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliHarness, recordFields } from '../fixtures/cli-harness';
import { FakeAdminApi } from '../fixtures/fake-admin-api';

describe('latchkey clients', () => {
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

  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

  describe('create', () => {
    const args = [
      'clients',
      'create',
      '--name',
      'Dashboard',
      '--redirect-uri',
      'https://app.example.com/cb',
      '--redirect-uri',
      'https://app.example.com/cb2',
      '--grant-type',
      'authorization_code',
      '--grant-type',
      'refresh_token',
      '--auth-method',
      'client_secret_post',
      '--scope',
      'openid offline_access',
      '--skip-consent',
      '--cors-origin',
      'https://spa.example.com',
    ];

    it('POSTs the RFC 7591 metadata with the Bearer token', async () => {
      const result = await cli.run(args);

      expect(result.code).toBe(0);
      const request = fake.lastAdminRequest();
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/admin/clients');
      expect(request.headers.authorization).toBe('Bearer at-1');
      expect(request.headers['content-type']).toBe('application/json');
      expect(JSON.parse(request.body)).toEqual({
        client_name: 'Dashboard',
        redirect_uris: ['https://app.example.com/cb', 'https://app.example.com/cb2'],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'client_secret_post',
        scope: 'openid offline_access',
        skip_consent: true,
        allowed_cors_origins: ['https://spa.example.com'],
      });
    });

    it('prints the exact server JSON (secret included) and warns on stderr in json mode', async () => {
      const result = await cli.run([...args, '--output', 'json']);

      const created = { ...fake.clients.get('client-2')!, client_secret: 'secret-3' };
      expect(result).toEqual({
        code: 0,
        stdout: json(created),
        stderr:
          'Warning: the client_secret above is shown only this once; store it securely now, ' +
          'it cannot be retrieved again\n',
      });
    });

    it('prints a table with the one-time secret set apart at the end', async () => {
      const result = await cli.run(args, { tty: true });

      expect(result.code).toBe(0);
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines.slice(0, 4).map((line) => line.split(/\s+/)[0])).toEqual([
        'client_id',
        'client_name',
        'application_type',
        'token_endpoint_auth_method',
      ]);
      expect(recordFields(result.stdout)).toMatchObject({
        client_id: 'client-2',
        client_name: 'Dashboard',
        token_endpoint_auth_method: 'client_secret_post',
        redirect_uris: 'https://app.example.com/cb, https://app.example.com/cb2',
        grant_types: 'authorization_code, refresh_token',
        skip_consent: 'true',
        client_secret: 'secret-3',
      });
      // The secret comes last, after a blank line.
      expect(lines[lines.length - 2]).toBe('');
      expect(lines[lines.length - 1]).toMatch(/^client_secret +secret-3$/);
      expect(result.stderr).toContain('shown only this once');
    });

    it('starts from --json-file and lets flags override its keys', async () => {
      const file = path.join(cli.configHome, 'metadata.json');
      fs.writeFileSync(
        file,
        JSON.stringify({
          client_name: 'From file',
          token_endpoint_auth_method: 'none',
          jwks_uri: 'https://a/jwks',
        }),
      );

      const result = await cli.run([
        'clients',
        'create',
        '--json-file',
        file,
        '--name',
        'From flag',
      ]);

      expect(result.code).toBe(0);
      expect(JSON.parse(fake.lastAdminRequest().body)).toEqual({
        client_name: 'From flag',
        token_endpoint_auth_method: 'none',
        jwks_uri: 'https://a/jwks',
      });
      // A public client has no secret: nothing to warn about.
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).not.toHaveProperty('client_secret');
    });

    it('reads --json-file - from stdin', async () => {
      const result = await cli.run(['clients', 'create', '--json-file', '-'], {
        stdin: '{"client_name": "Piped"}',
      });

      expect(result.code).toBe(0);
      expect(JSON.parse(fake.lastAdminRequest().body)).toEqual({ client_name: 'Piped' });
    });

    it.each([
      ['[1, 2]', 'must hold a JSON object'],
      ['{not json', 'is not JSON'],
    ])('rejects a --json-file holding %s (exit 2, nothing sent)', async (content, message) => {
      const file = path.join(cli.configHome, 'bad.json');
      fs.writeFileSync(file, content);

      const result = await cli.run(['clients', 'create', '--json-file', file]);

      expect(result.code).toBe(2);
      expect(result.stderr.split('\n')[0]).toContain(message);
      expect(fake.adminRequests()).toHaveLength(0);
    });

    it('reports bad metadata with the RFC 7591 error, exit 1', async () => {
      const result = await cli.run(['clients', 'create', '--redirect-uri', 'http://insecure']);

      expect(result).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'latchkey: invalid_redirect_uri: redirect_uris must be https URLs (HTTP 400 from POST /admin/clients)\n',
      });
    });
  });

  describe('list', () => {
    beforeEach(() => {
      for (let i = 1; i <= 5; i++) {
        fake.seedClient(`c${i}`, {
          client_name: `App ${i}`,
          scope: i === 1 ? 'openid profile' : undefined,
        });
      }
    });

    it('prints one page as the server sent it in json mode', async () => {
      const result = await cli.run(['clients', 'list', '--limit', '2']);

      expect(fake.lastAdminRequest().query).toEqual({ limit: '2' });
      expect(result).toEqual({
        code: 0,
        stdout: json({
          items: [fake.clients.get('c1'), fake.clients.get('c2')],
          next_cursor: 'c2',
        }),
        stderr: '',
      });
    });

    it('prints aligned columns on a terminal, and how to get the next page', async () => {
      const result = await cli.run(['clients', 'list'], { tty: true });

      expect(result).toEqual({
        code: 0,
        stdout:
          'CLIENT_ID  NAME   AUTH_METHOD          GRANT_TYPES         SCOPE           DISABLED\n' +
          'c1         App 1  client_secret_basic  authorization_code  openid profile  false\n' +
          'c2         App 2  client_secret_basic  authorization_code  -               false\n',
        stderr: 'More clients: add --cursor c2 (or --all).\n',
      });
    });

    it('passes --cursor on', async () => {
      const result = await cli.run(['clients', 'list', '--cursor', 'c4']);

      expect(fake.lastAdminRequest().query).toEqual({ cursor: 'c4' });
      expect(JSON.parse(result.stdout)).toEqual({
        items: [fake.clients.get('c5')],
        next_cursor: null,
      });
    });

    it('--all follows next_cursor to the last page', async () => {
      const result = await cli.run(['clients', 'list', '--all']);

      expect(fake.adminRequests().map((r) => r.query)).toEqual([
        {},
        { cursor: 'c2' },
        { cursor: 'c4' },
      ]);
      expect(JSON.parse(result.stdout)).toEqual({
        items: [...fake.clients.values()],
        next_cursor: null,
      });
    });

    it('--all keeps --limit as the page size', async () => {
      fake.pageSize = 10;

      await cli.run(['clients', 'list', '--all', '--limit', '3']);

      expect(fake.adminRequests().map((r) => r.query)).toEqual([
        { limit: '3' },
        { limit: '3', cursor: 'c3' },
      ]);
    });

    it('says (none) for an empty table', async () => {
      fake.clients.clear();

      expect(await cli.run(['clients', 'list'], { tty: true })).toEqual({
        code: 0,
        stdout: '(none)\n',
        stderr: '',
      });
    });

    it.each(['0', '-1', 'ten', '1.5'])('rejects --limit %s with exit 2', async (limit) => {
      const result = await cli.run(['clients', 'list', `--limit=${limit}`]);

      expect(result.code).toBe(2);
      expect(result.stderr.split('\n')[0]).toBe(
        `latchkey: --limit must be a whole number of at least 1, not '${limit}'`,
      );
      expect(fake.adminRequests()).toHaveLength(0);
    });

    it('reports a cursor the server refuses', async () => {
      const result = await cli.run(['clients', 'list', '--cursor', 'bogus']);

      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'latchkey: invalid_request: cursor is not valid (HTTP 400 from GET /admin/clients)\n',
      );
    });
  });

  describe('get', () => {
    it('GETs the client by its URL-encoded id and prints its fields', async () => {
      fake.seedClient('a/b c', { client_name: 'Odd id', redirect_uris: ['https://x/cb'] });

      const result = await cli.run(['clients', 'get', 'a/b c'], { tty: true });

      expect(fake.lastAdminRequest().path).toBe('/admin/clients/a%2Fb%20c');
      expect(result.code).toBe(0);
      expect(result.stdout.split('\n')[0]).toMatch(/^client_id +a\/b c$/);
      expect(recordFields(result.stdout)).toMatchObject({
        client_id: 'a/b c',
        client_name: 'Odd id',
        redirect_uris: 'https://x/cb',
        post_logout_redirect_uris: '-',
        created_at: '2030-01-01T00:00:00.000Z',
      });
    });

    it('shows control characters from the server as ?', async () => {
      fake.seedClient('evil', { client_name: 'x\u001b[2Jy' });

      const result = await cli.run(['clients', 'get', 'evil'], { tty: true });

      expect(recordFields(result.stdout).client_name).toBe('x?[2Jy');
      expect(result.stdout).not.toContain('\u001b');
    });

    it('reports an unknown client with the server error, exit 1', async () => {
      const result = await cli.run(['clients', 'get', 'nope']);

      expect(result).toEqual({
        code: 1,
        stdout: '',
        stderr: 'latchkey: not_found: no such client (HTTP 404 from GET /admin/clients/nope)\n',
      });
    });

    it('needs the CLIENT_ID (exit 2)', async () => {
      const result = await cli.run(['clients', 'get']);

      expect(result).toEqual({
        code: 2,
        stdout: '',
        stderr:
          'latchkey: missing CLIENT_ID\nUsage: latchkey clients get CLIENT_ID [options]\n' +
          'Run `latchkey clients get --help` for the options.\n',
      });
    });
  });

  describe('update', () => {
    beforeEach(() => {
      fake.seedClient('c1', { client_name: 'Old', scope: 'openid' });
    });

    it('PATCHes a merge patch built from --set, values parsed as JSON when they are', async () => {
      const result = await cli.run([
        'clients',
        'update',
        'c1',
        '--set',
        'client_name=New name',
        '--set',
        'skip_consent=true',
        '--set',
        'access_token_lifetime=600',
        '--set',
        'scope=null',
        '--set',
        'redirect_uris=["https://a/cb"]',
        '--set',
        'jwks_uri=https://a/jwks?x=1',
      ]);

      expect(result.code).toBe(0);
      const request = fake.lastAdminRequest();
      expect(`${request.method} ${request.path}`).toBe('PATCH /admin/clients/c1');
      expect(request.headers['content-type']).toBe('application/merge-patch+json');
      expect(JSON.parse(request.body)).toEqual({
        client_name: 'New name',
        skip_consent: true,
        access_token_lifetime: 600,
        scope: null,
        redirect_uris: ['https://a/cb'],
        jwks_uri: 'https://a/jwks?x=1',
      });
      expect(JSON.parse(result.stdout)).toEqual(fake.clients.get('c1'));
      expect(JSON.parse(result.stdout)).not.toHaveProperty('scope');
    });

    it('merges --json-file with --set (--set wins)', async () => {
      const file = path.join(cli.configHome, 'patch.json');
      fs.writeFileSync(file, JSON.stringify({ client_name: 'File', disabled: true }));

      await cli.run(['clients', 'update', 'c1', '--json-file', file, '--set', 'client_name=Set']);

      expect(JSON.parse(fake.lastAdminRequest().body)).toEqual({
        client_name: 'Set',
        disabled: true,
      });
    });

    it.each([
      [['clients', 'update', 'c1'], 'update needs --set KEY=VALUE or --json-file FILE'],
      [['clients', 'update', 'c1', '--set', 'novalue'], "--set takes key=value, not 'novalue'"],
      [['clients', 'update', 'c1', '--set', '=x'], "--set takes key=value, not '=x'"],
    ])('rejects %j with exit 2', async (argv, message) => {
      const result = await cli.run(argv);

      expect(result.code).toBe(2);
      expect(result.stderr.split('\n')[0]).toBe(`latchkey: ${message}`);
      expect(fake.adminRequests()).toHaveLength(0);
    });
  });

  describe('delete', () => {
    beforeEach(() => {
      fake.seedClient('c1');
    });

    it('DELETEs with --yes and says so on a terminal', async () => {
      const result = await cli.run(['clients', 'delete', 'c1', '--yes'], { tty: true });

      expect(`${fake.lastAdminRequest().method} ${fake.lastAdminRequest().path}`).toBe(
        'DELETE /admin/clients/c1',
      );
      expect(result).toEqual({ code: 0, stdout: 'Deleted client c1.\n', stderr: '' });
      expect(fake.clients.has('c1')).toBe(false);
    });

    it('prints nothing in json mode (the exit code tells)', async () => {
      expect(await cli.run(['clients', 'delete', 'c1', '-y'])).toEqual({
        code: 0,
        stdout: '',
        stderr: '',
      });
    });

    it('refuses without --yes when there is no terminal to ask on (exit 2, nothing sent)', async () => {
      const result = await cli.run(['clients', 'delete', 'c1']);

      expect(result.code).toBe(2);
      expect(result.stderr.split('\n')[0]).toBe(
        'latchkey: refusing to delete client c1 without --yes (no terminal to confirm on)',
      );
      expect(fake.adminRequests()).toHaveLength(0);
    });

    it('asks on a terminal and deletes on yes', async () => {
      const result = await cli.run(['clients', 'delete', 'c1'], { answer: 'y' });

      expect(cli.questions).toEqual(['Delete client c1? This cannot be undone. [y/N] ']);
      expect(result.code).toBe(0);
      expect(fake.clients.has('c1')).toBe(false);
    });

    it('keeps the client when the answer is not yes (exit 1)', async () => {
      const result = await cli.run(['clients', 'delete', 'c1'], { answer: '' });

      expect(result).toEqual({
        code: 1,
        stdout: '',
        stderr: 'latchkey: client c1 was not deleted\n',
      });
      expect(fake.adminRequests()).toHaveLength(0);
    });

    it('reports an unknown client', async () => {
      const result = await cli.run(['clients', 'delete', 'nope', '--yes']);

      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'latchkey: not_found: no such client (HTTP 404 from DELETE /admin/clients/nope)\n',
      );
    });
  });

  describe('rotate-secret', () => {
    beforeEach(() => {
      fake.seedClient('c1');
    });

    it('POSTs the grace period and shows the new secret once', async () => {
      const result = await cli.run(['clients', 'rotate-secret', 'c1', '--grace-period', '3600'], {
        tty: true,
      });

      const request = fake.lastAdminRequest();
      expect(`${request.method} ${request.path}`).toBe('POST /admin/clients/c1/secret');
      expect(JSON.parse(request.body)).toEqual({ grace_period_seconds: 3600 });
      expect(result.code).toBe(0);
      expect(result.stdout.trimEnd().split('\n').slice(-1)[0]).toMatch(/^client_secret +secret-2$/);
      expect(result.stderr).toBe(
        'Warning: the client_secret above is shown only this once; store it securely now, ' +
          'it cannot be retrieved again\n',
      );
    });

    it('sends an empty object without --grace-period', async () => {
      await cli.run(['clients', 'rotate-secret', 'c1']);

      expect(fake.lastAdminRequest().body).toBe('{}');
    });

    it('rejects a negative grace period (exit 2)', async () => {
      const result = await cli.run(['clients', 'rotate-secret', 'c1', '--grace-period=-5']);

      expect(result.code).toBe(2);
      expect(result.stderr.split('\n')[0]).toBe(
        "latchkey: --grace-period must be a whole number of at least 0, not '-5'",
      );
    });

    it('reports the server refusing a public client', async () => {
      fake.seedClient('pub', { token_endpoint_auth_method: 'none' });

      const result = await cli.run(['clients', 'rotate-secret', 'pub']);

      expect(result.stderr).toBe(
        'latchkey: invalid_request: a public client has no secret (HTTP 400 from POST /admin/clients/pub/secret)\n',
      );
      expect(result.code).toBe(1);
    });
  });
});
