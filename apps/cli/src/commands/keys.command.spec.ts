import { CliHarness } from '../fixtures/cli-harness';
import { FakeAdminApi } from '../fixtures/fake-admin-api';

describe('latchkey keys', () => {
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

  it('keys rotate POSTs /admin/keys/rotate and prints the answer', async () => {
    fake.keysRotateSupported = true;

    const result = await cli.run(['keys', 'rotate'], { tty: true });

    expect(`${fake.lastAdminRequest().method} ${fake.lastAdminRequest().path}`).toBe(
      'POST /admin/keys/rotate',
    );
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ALG\s+NEW KID\s+PREVIOUS KID\s+SIGNS FROM$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/))).toEqual([
      ['RS256', 'key-2', 'key-1', '2026-01-01T00:02:00.000Z'],
      ['ES256', 'key-4', 'key-3', '2026-01-01T00:02:00.000Z'],
    ]);
    expect(result.stdout).not.toContain('[object Object]');
  });

  it('keys rotate says the server does not support it when it answers 404', async () => {
    const result = await cli.run(['keys', 'rotate']);

    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `latchkey: ${fake.issuer} does not support key rotation yet (POST /admin/keys/rotate answered 404)\n`,
    });
  });
});
