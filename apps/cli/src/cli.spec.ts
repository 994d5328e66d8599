import { CliHarness } from './fixtures/cli-harness';
import { FakeAdminApi } from './fixtures/fake-admin-api';

describe('latchkey command line', () => {
  let cli: CliHarness;

  beforeEach(() => {
    cli = new CliHarness();
  });
  afterEach(() => cli.cleanup());

  describe('help', () => {
    it.each([[['--help']], [['-h']], [['help']]])(
      '%j prints the commands on stdout, exit 0',
      async (argv) => {
        const result = await cli.run(argv);

        expect(result.code).toBe(0);
        expect(result.stderr).toBe('');
        expect(result.stdout).toContain(
          'Usage: latchkey [--output table|json] <command> [arguments]\n',
        );
        for (const command of [
          'login',
          'logout',
          'clients <command>',
          'resources <command>',
          'initial-access-token <command>',
          'keys <command>',
        ]) {
          expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
        }
        expect(result.stdout).toContain('LATCHKEY_ISSUER');
      },
    );

    it.each([
      [['clients', '--help']],
      [['clients', 'help']],
      [['help', 'clients']],
      [['--help', 'clients']],
    ])('%j prints the group usage', async (argv) => {
      const result = await cli.run(argv);

      expect(result.code).toBe(0);
      expect(result.stdout).toBe(
        [
          'Usage: latchkey clients <command> [arguments]',
          '',
          'Manage OAuth clients.',
          '',
          'Commands:',
          '  create                   register a client (RFC 7591 metadata); a confidential client gets its secret once',
          '  list                     list clients',
          '  get CLIENT_ID            show a client',
          '  update CLIENT_ID         change a client (JSON merge patch: null resets a field)',
          '  delete CLIENT_ID         delete a client (its tokens stop working)',
          '  rotate-secret CLIENT_ID  give a confidential client a new secret (shown once)',
          '',
          'Run `latchkey clients <command> --help` for the options of a command.',
          '',
        ].join('\n'),
      );
    });

    it('<group> <command> --help lists the options, even with other arguments', async () => {
      const result = await cli.run(['clients', 'rotate-secret', 'c1', '--help']);

      expect(result.code).toBe(0);
      expect(result.stdout).toBe(
        [
          'Usage: latchkey clients rotate-secret CLIENT_ID [options]',
          '',
          'Give a confidential client a new secret (shown once).',
          '',
          'Options:',
          '  --grace-period SECONDS   how long the old secret keeps working (default 0: it stops at once)',
          '  -o, --output table|json  output format (default: table on a terminal, json otherwise)',
          '  -h, --help               show this help',
          '',
        ].join('\n'),
      );
    });

    it('marks repeatable options', async () => {
      const result = await cli.run(['clients', 'create', '-h']);

      expect(result.stdout).toMatch(
        /^ {2}--redirect-uri URI +redirect_uris entry \(repeatable\)$/m,
      );
    });
  });

  describe('usage errors exit 2 with a short usage on stderr', () => {
    it.each([
      [[], 'no command given'],
      [['frobnicate'], "unknown command 'frobnicate'"],
      [['--verbose', 'clients'], "unknown option '--verbose'"],
      [['--output'], '--output needs a value'],
    ])('%j: %s', async (argv, message) => {
      const result = await cli.run(argv);

      expect(result).toEqual({
        code: 2,
        stdout: '',
        stderr:
          `latchkey: ${message}\n` +
          'Usage: latchkey [--output table|json] <command> [arguments]\n' +
          'Commands: login, logout, clients, resources, identity-providers, initial-access-token, keys, users, roles, groups, grants, audit\n' +
          'Run `latchkey --help` for more.\n',
      });
    });

    it('an unknown or missing group command shows the group commands', async () => {
      const unknown = await cli.run(['clients', 'explode']);
      const missing = await cli.run(['clients']);

      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(
        /^latchkey: unknown command 'clients explode'\nUsage: latchkey clients <command>/,
      );
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(
        /^latchkey: clients needs a command\nUsage: latchkey clients <command>/,
      );
    });

    it.each([
      [['clients', 'list', '--bogus'], "Unknown option '--bogus'"],
      [['clients', 'list', '--limit'], "Option '--limit <value>' argument missing"],
      [['clients', 'get', 'a', 'b'], "unexpected argument 'b'"],
      [['clients', 'list', '--output', 'yaml'], "--output must be table or json, not 'yaml'"],
    ])('%j: %s', async (argv, message) => {
      const result = await cli.run(argv);

      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      const [first, usage, hint] = result.stderr.split('\n');
      expect(first).toBe(`latchkey: ${message}`);
      expect(usage).toMatch(/^Usage: latchkey clients (list|get CLIENT_ID) \[options\]$/);
      expect(hint).toMatch(/^Run `latchkey clients (list|get) --help` for the options\.$/);
    });
  });

  describe('output format', () => {
    let fake: FakeAdminApi;

    beforeAll(async () => {
      fake = await FakeAdminApi.start();
    });
    afterAll(async () => {
      await fake.stop();
    });
    beforeEach(async () => {
      fake.reset();
      fake.seedClient('c1', { client_name: 'One' });
      await cli.login(fake.issuer, fake.admin.id, fake.admin.secret);
    });

    const page = () =>
      `${JSON.stringify({ items: [fake.clients.get('c1')], next_cursor: null }, null, 2)}\n`;

    it('is json when stdout is not a terminal', async () => {
      expect((await cli.run(['clients', 'list'])).stdout).toBe(page());
    });

    it('is a table on a terminal', async () => {
      expect((await cli.run(['clients', 'list'], { tty: true })).stdout).toMatch(
        /^CLIENT_ID +NAME/,
      );
    });

    it.each([
      [['-o', 'json', 'clients', 'list']],
      [['--output=json', 'clients', 'list']],
      [['clients', 'list', '--output', 'json']],
      [['clients', 'list', '-o', 'json']],
    ])('%j forces json on a terminal', async (argv) => {
      expect((await cli.run(argv, { tty: true })).stdout).toBe(page());
    });

    it('--output table forces a table into a pipe; the command option wins over the leading one', async () => {
      const result = await cli.run(['-o', 'json', 'clients', 'list', '-o', 'table']);

      expect(result.stdout).toMatch(/^CLIENT_ID +NAME/);
    });
  });
});
