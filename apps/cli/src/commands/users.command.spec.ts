import { CliHarness } from '../fixtures/cli-harness';
import { FakeAdminApi } from '../fixtures/fake-admin-api';

const USER = 'c1a2b3c4-0000-4000-8000-000000000001';
const GRANT = '6f1c2a52-8f43-4a55-9c1e-0f0f3b1d9a10';

describe('latchkey users / grants', () => {
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
    fake.seedUser(USER, {
      grants: [
        {
          id: GRANT,
          client_id: 'web-app',
          sub: USER,
          scope: 'openid offline_access',
          created_at: '2030-01-01T00:00:00.000Z',
          revoked_at: null,
        },
        {
          id: '7a2d3b63-9054-4b66-8d2f-1a1a4c2e0b21',
          client_id: 'old-app',
          sub: USER,
          scope: 'openid',
          created_at: '2029-01-01T00:00:00.000Z',
          revoked_at: '2029-06-01T00:00:00.000Z',
        },
      ],
      sessions: [
        {
          sid: 'sid-1',
          auth_time: '2030-01-01T00:00:00.000Z',
          amr: ['pwd'],
          created_at: '2030-01-01T00:00:00.000Z',
          last_seen_at: '2030-01-01T01:00:00.000Z',
          expires_at: '2030-01-01T03:00:00.000Z',
        },
      ],
    });
  });
  afterEach(() => cli.cleanup());

  const lastRequest = () => `${fake.lastAdminRequest().method} ${fake.lastAdminRequest().path}`;

  it('users grants GETs the list and prints one row per grant', async () => {
    const result = await cli.run(['users', 'grants', USER], { tty: true });

    expect(lastRequest()).toBe(`GET /admin/users/${USER}/grants`);
    expect(result.code).toBe(0);
    const rows = result.stdout.trimEnd().split('\n');
    expect(rows[0]!.split(/\s+/)).toEqual(['ID', 'CLIENT_ID', 'SCOPE', 'CREATED_AT', 'REVOKED_AT']);
    expect(rows[1]).toMatch(new RegExp(`^${GRANT}\\s+web-app\\s+openid offline_access\\s+2030-`));
    expect(rows[1]).toMatch(/\s-$/);
    expect(rows[2]).toMatch(/old-app .*2029-06-01T00:00:00.000Z$/);
  });

  it('users grants --output json prints the answer as it came', async () => {
    const result = await cli.run(['--output', 'json', 'users', 'grants', USER]);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ items: fake.users.get(USER)!.grants });
  });

  it('users sessions prints the sessions', async () => {
    const result = await cli.run(['users', 'sessions', USER], { tty: true });

    expect(lastRequest()).toBe(`GET /admin/users/${USER}/sessions`);
    expect(result.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^SID\s+SIGNED_IN_AT\s+LAST_SEEN_AT\s+EXPIRES_AT$/),
      expect.stringMatching(
        /^sid-1\s+2030-01-01T00:00:00.000Z\s+2030-01-01T01:00:00.000Z\s+2030-01-01T03:00:00.000Z$/,
      ),
    ]);
  });

  it('users revoke-grants --yes DELETEs them and says how many', async () => {
    const result = await cli.run(['users', 'revoke-grants', USER, '--yes'], { tty: true });

    expect(lastRequest()).toBe(`DELETE /admin/users/${USER}/grants`);
    expect(result).toEqual({
      code: 0,
      stdout: `Revoked 1 grant(s) of user ${USER}.\n`,
      stderr: '',
    });
  });

  it('users end-sessions asks on a terminal, and ends them when told yes', async () => {
    const result = await cli.run(['users', 'end-sessions', USER], { answer: 'y', tty: true });

    expect(cli.questions).toEqual([
      `End every session of user ${USER}? This cannot be undone. [y/N] `,
    ]);
    expect(lastRequest()).toBe(`DELETE /admin/users/${USER}/sessions`);
    expect(result.stdout).toBe(`Ended 1 session(s) of user ${USER}.\n`);
    expect(fake.users.get(USER)!.sessions).toEqual([]);
  });

  it('users end-sessions keeps the sessions when the answer is not yes (exit 1)', async () => {
    const result = await cli.run(['users', 'end-sessions', USER], { answer: 'n' });

    expect(result).toEqual({ code: 1, stdout: '', stderr: 'latchkey: no session was ended\n' });
    expect(fake.adminRequests()).toEqual([]);
  });

  it.each([
    ['users', 'revoke-grants', USER],
    ['users', 'end-sessions', USER],
    ['grants', 'revoke', GRANT],
  ])('%s %s refuses without --yes and without a terminal (exit 2)', async (...argv) => {
    const result = await cli.run(argv);

    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toMatch(/^latchkey: refusing without --yes/);
    expect(fake.adminRequests()).toEqual([]);
  });

  it('grants revoke --yes DELETEs the grant', async () => {
    const result = await cli.run(['grants', 'revoke', GRANT, '--yes'], { tty: true });

    expect(lastRequest()).toBe(`DELETE /admin/grants/${GRANT}`);
    expect(result).toEqual({ code: 0, stdout: `Revoked grant ${GRANT}.\n`, stderr: '' });
    expect(fake.users.get(USER)!.grants[0]!.revoked_at).toEqual(expect.any(String));
  });

  it('reports an unknown user or grant with the server error', async () => {
    const user = await cli.run(['users', 'sessions', 'no such/user']);
    expect(user).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'latchkey: not_found: no such user (HTTP 404 from GET /admin/users/no%20such%2Fuser/sessions)\n',
    });

    const grant = await cli.run(['grants', 'revoke', 'nope', '--yes']);
    expect(grant.code).toBe(1);
    expect(grant.stderr).toBe(
      'latchkey: not_found: no such grant (HTTP 404 from DELETE /admin/grants/nope)\n',
    );
  });

  it('needs the id (exit 2)', async () => {
    const result = await cli.run(['users', 'grants']);

    expect(result.code).toBe(2);
  });
});
