import { CliHarness, recordFields } from '../fixtures/cli-harness';
import { FakeAdminApi } from '../fixtures/fake-admin-api';

describe('latchkey initial-access-token', () => {
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

  it('initial-access-token create POSTs the lifetime and uses, and shows the token once', async () => {
    const result = await cli.run(
      ['initial-access-token', 'create', '--expires-in', '3600', '--max-uses', '5'],
      { tty: true },
    );

    const request = fake.lastAdminRequest();
    expect(`${request.method} ${request.path}`).toBe('POST /admin/initial-access-tokens');
    expect(JSON.parse(request.body)).toEqual({ expires_in: 3600, max_uses: 5 });
    expect(result.code).toBe(0);
    expect(recordFields(result.stdout)).toEqual({
      expires_at: '2030-01-01T01:00:00.000Z',
      max_uses: '5',
      initial_access_token: 'iat-2',
    });
    expect(result.stderr).toBe(
      'Warning: the initial_access_token above is shown only this once; store it securely now, ' +
        'it cannot be retrieved again\n',
    );
  });

  it('initial-access-token create sends the registration policy it is given', async () => {
    const result = await cli.run([
      'initial-access-token',
      'create',
      '--scope',
      'openid orders:read',
      '--grant-type',
      'authorization_code',
      '--grant-type',
      'client_credentials',
      '--default-resource',
      'https://orders.example.test',
    ]);

    expect(result.code).toBe(0);
    expect(JSON.parse(fake.lastAdminRequest().body)).toEqual({
      scope: 'openid orders:read',
      grant_types: ['authorization_code', 'client_credentials'],
      default_resource: 'https://orders.example.test',
    });
  });

  it('initial-access-token create sends {} by default and prints the server JSON', async () => {
    const result = await cli.run(['initial-access-token', 'create']);

    expect(fake.lastAdminRequest().body).toBe('{}');
    expect(JSON.parse(result.stdout)).toEqual({
      initial_access_token: 'iat-2',
      expires_at: '2030-01-02T00:00:00.000Z',
      max_uses: 1,
    });
  });
});
