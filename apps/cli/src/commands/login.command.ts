import { ADMIN_SCOPE } from '@latchkey/oauth';
import {
  discoverTokenEndpoint,
  requestAdminToken,
  type AdminCredentials,
} from '../admin-api.client';
import { adminUrlOf, normalizeIssuer } from '../admin-session';
import { CliError, UsageError } from '../cli.errors';
import type { Command } from '../command';
import type { CommandLine } from '../command-line';

/**
 * `latchkey login`: checks the admin client can get an admin token from the issuer, then stores
 * the issuer, the client and that token. The secret is never printed.
 */
export const loginCommand: Command = {
  name: 'login',
  summary: 'check admin client credentials against an issuer and store them',
  positionals: [],
  options: {
    issuer: { type: 'string', value: 'URL', description: 'issuer URL (or LATCHKEY_ISSUER)' },
    'admin-url': {
      type: 'string',
      value: 'URL',
      description:
        "the admin plane's URL when the server runs one apart (ADMIN_PORT; or LATCHKEY_ADMIN_URL)",
    },
    'client-id': {
      type: 'string',
      value: 'ID',
      description: 'admin client_id (or LATCHKEY_CLIENT_ID)',
    },
    'client-secret': {
      type: 'string',
      value: 'SECRET',
      description: 'admin client_secret (or LATCHKEY_CLIENT_SECRET); visible in shell history',
    },
    'client-secret-stdin': {
      type: 'boolean',
      description: 'read the client_secret from standard input',
    },
  },
  notes: [
    'The admin client is the one the server was started with (ADMIN_CLIENT_ID and',
    'ADMIN_CLIENT_SECRET; in embedded mode see .data/admin-client.json). Example:',
    '  latchkey login --issuer http://localhost:8080 --client-id ADMIN_ID --client-secret-stdin < secret.txt',
  ],
  async run({ io, output, store }, line) {
    const credentials = await readLoginCredentials(
      line,
      io.env,
      () => io.readStdin(),
      (m) => output.warn(m),
    );
    warnIfCleartext(credentials.issuer, (m) => output.warn(m));
    const tokenEndpoint = await discoverTokenEndpoint(credentials.issuer);
    const token = await requestAdminToken(tokenEndpoint, credentials, () => io.now()).catch(
      (err: unknown) => {
        throw err instanceof CliError ? new CliError(`login failed: ${err.message}`) : err;
      },
    );
    if (token.scope !== undefined && !token.scope.split(' ').includes(ADMIN_SCOPE)) {
      throw new CliError(
        `login failed: client ${credentials.client_id} was not granted the ${ADMIN_SCOPE} scope ` +
          `(granted: ${token.scope || 'none'}); it cannot use the admin API`,
      );
    }
    store.save({
      issuer: credentials.issuer,
      admin_url: credentials.admin_url,
      token_endpoint: tokenEndpoint,
      client_id: credentials.client_id,
      client_secret: credentials.client_secret,
      access_token: token.value,
      access_token_expires_at: token.expiresAt,
    });
    if (output.format === 'json') {
      output.json({
        issuer: credentials.issuer,
        client_id: credentials.client_id,
        credentials_file: store.path,
      });
    } else {
      output.done(`Logged in to ${credentials.issuer} as ${credentials.client_id}.`);
      output.done(`Credentials saved to ${store.path}`);
    }
  },
};

export const logoutCommand: Command = {
  name: 'logout',
  summary: 'delete the stored credentials',
  positionals: [],
  options: {},
  async run({ output, store }) {
    if (store.delete()) output.done(`Logged out: deleted ${store.path}`);
    else output.done(`Not logged in (no ${store.path}).`);
  },
};

/** Flags first, then the environment; the secret from stdin, a flag or the environment. */
async function readLoginCredentials(
  line: CommandLine,
  env: Readonly<Record<string, string | undefined>>,
  readStdin: () => Promise<string>,
  warn: (message: string) => void,
): Promise<AdminCredentials> {
  const issuer = line.string('issuer') ?? env.LATCHKEY_ISSUER;
  const clientId = line.string('client-id') ?? env.LATCHKEY_CLIENT_ID;
  const clientSecret = await readClientSecret(line, env, readStdin, warn);
  const missing = [
    issuer ? undefined : '--issuer',
    clientId ? undefined : '--client-id',
    clientSecret ? undefined : '--client-secret-stdin (or --client-secret)',
  ].filter((m): m is string => m !== undefined);
  if (missing.length > 0) throw new UsageError(`login needs ${missing.join(', ')}`);
  return {
    issuer: normalizeIssuer(issuer as string, '--issuer'),
    admin_url: adminUrlOf(line.string('admin-url') ?? env.LATCHKEY_ADMIN_URL, '--admin-url'),
    client_id: clientId as string,
    client_secret: clientSecret as string,
  };
}

async function readClientSecret(
  line: CommandLine,
  env: Readonly<Record<string, string | undefined>>,
  readStdin: () => Promise<string>,
  warn: (message: string) => void,
): Promise<string | undefined> {
  if (line.flag('client-secret-stdin')) {
    if (line.has('client-secret')) {
      throw new UsageError('give either --client-secret or --client-secret-stdin, not both');
    }
    const secret = (await readStdin()).replace(/\r?\n$/, '');
    if (secret === '') throw new UsageError('--client-secret-stdin read an empty secret');
    return secret;
  }
  const flag = line.string('client-secret');
  if (flag !== undefined) {
    // As `docker login --password` does: the value stays in shell history and process lists.
    warn(
      '--client-secret is visible in shell history and process lists; prefer --client-secret-stdin',
    );
    return flag;
  }
  return env.LATCHKEY_CLIENT_SECRET;
}

function warnIfCleartext(issuer: string, warn: (message: string) => void): void {
  const url = new URL(issuer);
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol === 'http:' && !loopback) {
    warn(`${issuer} is not HTTPS: the client secret and tokens travel unencrypted`);
  }
}
