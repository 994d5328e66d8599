import { CliHarness, recordFields } from '../fixtures/cli-harness';
import { FakeAdminApi } from '../fixtures/fake-admin-api';

describe('latchkey resources', () => {
  let fake: FakeAdminApi;
  let cli: CliHarness;
  const API = 'https://api.example.com/v1';
  const ENCODED = 'https%3A%2F%2Fapi.example.com%2Fv1';

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

  async function seed(identifier = API): Promise<void> {
    const result = await cli.run([
      'resources',
      'create',
      '--identifier',
      identifier,
      '--name',
      'Billing API',
      '--scope',
      'invoices:read  invoices:write invoices:read',
    ]);
    expect(result.code).toBe(0);
  }

  it('create POSTs the resource, --scope as a list of distinct scopes', async () => {
    const result = await cli.run([
      'resources',
      'create',
      '--identifier',
      API,
      '--name',
      'Billing API',
      '--scope',
      'invoices:read  invoices:write invoices:read',
      '--lifetime',
      '900',
    ]);

    const request = fake.lastAdminRequest();
    expect(`${request.method} ${request.path}`).toBe('POST /admin/resources');
    expect(request.headers.authorization).toBe('Bearer at-1');
    expect(JSON.parse(request.body)).toEqual({
      identifier: API,
      name: 'Billing API',
      scopes: ['invoices:read', 'invoices:write'],
      access_token_lifetime: 900,
    });
    expect(result).toEqual({
      code: 0,
      stdout: `${JSON.stringify(fake.resources.get(API), null, 2)}\n`,
      stderr: '',
    });
  });

  it('create needs --identifier (exit 2)', async () => {
    const result = await cli.run(['resources', 'create', '--name', 'x']);

    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe('latchkey: create needs --identifier URI');
    expect(fake.adminRequests()).toHaveLength(0);
  });

  it('rejects a scope with characters RFC 6749 does not allow (exit 2)', async () => {
    const result = await cli.run(['resources', 'create', '--identifier', API, '--scope', 'a "b"']);

    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(
      'latchkey: --scope: scope may only contain space-separated tokens of the characters %x21 / %x23-5B / %x5D-7E',
    );
  });

  it('reports a taken identifier (409)', async () => {
    await seed();

    const result = await cli.run(['resources', 'create', '--identifier', API, '--name', 'Again']);

    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: 'latchkey: conflict: the identifier is taken (HTTP 409 from POST /admin/resources)\n',
    });
  });

  it('get URL-encodes the identifier in the path and prints the fields', async () => {
    await seed();

    const result = await cli.run(['resources', 'get', API], { tty: true });

    expect(fake.lastAdminRequest().path).toBe(`/admin/resources/${ENCODED}`);
    expect(recordFields(result.stdout)).toEqual({
      identifier: API,
      name: 'Billing API',
      scopes: 'invoices:read, invoices:write',
      access_token_lifetime: '3600',
      created_at: '2030-01-01T00:00:00.000Z',
      updated_at: '2030-01-01T00:00:00.000Z',
    });
  });

  it('list prints a table, --all follows the cursor', async () => {
    for (const n of [1, 2, 3]) await seed(`https://api${n}.example.com`);
    fake.requests.length = 0;

    const result = await cli.run(['resources', 'list', '--all'], { tty: true });

    expect(fake.adminRequests().map((r) => r.query)).toEqual([{}, { cursor: 'c2' }]);
    expect(result).toEqual({
      code: 0,
      stdout:
        'IDENTIFIER                NAME         SCOPES                         TOKEN_LIFETIME\n' +
        'https://api1.example.com  Billing API  invoices:read, invoices:write  3600\n' +
        'https://api2.example.com  Billing API  invoices:read, invoices:write  3600\n' +
        'https://api3.example.com  Billing API  invoices:read, invoices:write  3600\n',
      stderr: '',
    });
  });

  it('update PATCHes the flags and --set as a merge patch', async () => {
    await seed();

    const result = await cli.run([
      'resources',
      'update',
      API,
      '--name',
      'Billing',
      '--scope',
      'invoices:read',
      '--lifetime',
      '600',
    ]);

    const request = fake.lastAdminRequest();
    expect(`${request.method} ${request.path}`).toBe(`PATCH /admin/resources/${ENCODED}`);
    expect(request.headers['content-type']).toBe('application/merge-patch+json');
    expect(JSON.parse(request.body)).toEqual({
      name: 'Billing',
      scopes: ['invoices:read'],
      access_token_lifetime: 600,
    });
    expect(JSON.parse(result.stdout)).toMatchObject({
      name: 'Billing',
      access_token_lifetime: 600,
    });
  });

  it('update with nothing to change is a usage error', async () => {
    const result = await cli.run(['resources', 'update', API]);

    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(
      'latchkey: update needs --name, --scope, --lifetime, --set or --json-file',
    );
  });

  it('delete --yes DELETEs the URL-encoded identifier', async () => {
    await seed();

    const result = await cli.run(['resources', 'delete', API, '--yes'], { tty: true });

    expect(`${fake.lastAdminRequest().method} ${fake.lastAdminRequest().path}`).toBe(
      `DELETE /admin/resources/${ENCODED}`,
    );
    expect(result).toEqual({ code: 0, stdout: `Deleted resource ${API}.\n`, stderr: '' });
    expect(fake.resources.size).toBe(0);
  });

  it('reports an unknown resource', async () => {
    const result = await cli.run(['resources', 'get', 'https://nope.example']);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'latchkey: not_found: no such resource (HTTP 404 from GET /admin/resources/https%3A%2F%2Fnope.example)\n',
    );
  });
});
