import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CliError } from './cli.errors';

/** What `latchkey login` keeps: the admin client and the last access token it got. */
export interface StoredCredentials {
  issuer: string;
  /** The admin plane's base URL, when it is not the issuer (ADMIN_PORT). */
  admin_url?: string;
  token_endpoint: string;
  client_id: string;
  client_secret: string;
  access_token?: string;
  /** Milliseconds since the epoch. */
  access_token_expires_at?: number;
}

const DIRECTORY_MODE = 0o700;
const FILE_MODE = 0o600;

/**
 * `$XDG_CONFIG_HOME/latchkey/credentials.json`, or `~/.config/latchkey/credentials.json`. The
 * XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
 */
export function credentialsPath(env: Readonly<Record<string, string | undefined>>): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'latchkey', 'credentials.json');
}

/**
 * The credentials file: a client secret, so readable by its owner only (directory 0700, file
 * 0600, written to a temporary file and renamed so a crash never leaves half a file).
 */
export class CredentialsStore {
  constructor(readonly path: string) {}

  load(): StoredCredentials | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CliError(`cannot read ${this.path}: ${(err as Error).message}`);
    }
    return readCredentials(text, this.path);
  }

  save(credentials: StoredCredentials): void {
    const directory = path.dirname(this.path);
    fs.mkdirSync(directory, { recursive: true, mode: DIRECTORY_MODE });
    // mkdir leaves an existing directory as it was; this one holds only our secrets.
    fs.chmodSync(directory, DIRECTORY_MODE);
    const temporary = `${this.path}.${process.pid}.tmp`;
    const fd = fs.openSync(temporary, 'w', FILE_MODE);
    try {
      fs.fchmodSync(fd, FILE_MODE);
      fs.writeFileSync(fd, `${JSON.stringify(credentials, null, 2)}\n`);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, this.path);
  }

  /** Keeps a newly fetched access token; skipped when the file is gone (logged out meanwhile). */
  saveToken(accessToken: string, expiresAt: number): void {
    const current = this.load();
    if (!current) return;
    this.save({ ...current, access_token: accessToken, access_token_expires_at: expiresAt });
  }

  /** True when there was a file to delete. */
  delete(): boolean {
    try {
      fs.unlinkSync(this.path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new CliError(`cannot delete ${this.path}: ${(err as Error).message}`);
    }
  }

  /** Like ssh with a private key: say so when others may read the secret. */
  permissionProblem(): string | undefined {
    if (process.platform === 'win32') return undefined;
    try {
      const mode = fs.statSync(this.path).mode & 0o777;
      if ((mode & 0o077) === 0) return undefined;
      return `${this.path} is readable by other users (mode ${mode.toString(8)}); run: chmod 600 ${this.path}`;
    } catch {
      return undefined;
    }
  }
}

function readCredentials(text: string, file: string): StoredCredentials {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw corrupt(file);
  }
  const v = value as Partial<StoredCredentials> | null;
  const complete =
    typeof v === 'object' &&
    v !== null &&
    typeof v.issuer === 'string' &&
    typeof v.token_endpoint === 'string' &&
    typeof v.client_id === 'string' &&
    typeof v.client_secret === 'string' &&
    (v.admin_url === undefined || typeof v.admin_url === 'string');
  if (!complete) throw corrupt(file);
  return v as StoredCredentials;
}

function corrupt(file: string): CliError {
  return new CliError(`${file} is not a valid credentials file; run \`latchkey login\` again`);
}
