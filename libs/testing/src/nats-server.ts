import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tcpConnect, createServer } from 'node:net';
import { TEST_BACKENDS } from './backends';

/** Debian installs nats-server in /usr/sbin, which is not on every PATH. */
export const natsServerBinary =
  process.env.NATS_SERVER_BIN ??
  (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server');

export const haveNatsServer = (): boolean =>
  spawnSync(natsServerBinary, ['--version']).status === 0;

export interface TestNats {
  url: string;
  port: number;
  /** Stops the server (it can be started again on the same port with `restart`). */
  stop(): Promise<void>;
  restart(): Promise<void>;
  /**
   * Sends a signal to the private server (SIGSTOP/SIGCONT to freeze and thaw it, SIGKILL to
   * crash it); false when there is none (the machine's NATS is never signalled).
   */
  signal(signal: NodeJS.Signals): boolean;
}

/**
 * A private nats-server for one suite, so no other suite on the machine's NATS joins the same
 * queue groups (the subjects are the wire contract, fixed) and answers this suite's requests.
 * Falls back to the machine's NATS when the binary is missing.
 */
export interface TestNatsOptions {
  jetstream?: boolean;
  /**
   * Run with this configuration file (e.g. deploy/nats/nats-server.conf, whose users and
   * permissions then apply) and these environment variables (its passwords). Its JetStream
   * store directory is replaced by the test's own.
   */
  config?: { file: string; env: Record<string, string> };
}

export async function startTestNats(
  options: TestNatsOptions = {},
  attempts = 5,
): Promise<TestNats> {
  if (!haveNatsServer()) {
    const port = Number(new URL(TEST_BACKENDS.nats).port || 4222);
    const noop = async () => undefined;
    return { url: TEST_BACKENDS.nats, port, stop: noop, restart: noop, signal: () => false };
  }
  const port = await freePort();
  let child = await launch(port, options);
  // Another process may have taken the port between freePort() and the bind: then our server
  // exited and something else answers there. Start over on a new port rather than share it.
  if (child.exitCode !== null) {
    if (attempts <= 1) {
      throw new Error(`private nats-server did not start: ${lastOutput().trim() || 'no output'}`);
    }
    return startTestNats(options, attempts - 1);
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    stop: () => stop(child),
    restart: async () => {
      await stop(child);
      child = await launch(port, options);
    },
    signal: (signal) => child.exitCode === null && child.signalCode === null && child.kill(signal),
  };
}

/** The standard error of the last server launched (diagnostics only). */
let lastOutput = (): string => '';

async function launch(port: number, options: TestNatsOptions): Promise<ChildProcess> {
  const storeDir = `/tmp/latchkey-test-nats-${port}`;
  const args = ['-a', '127.0.0.1', '-p', String(port)];
  if (options.config) {
    const file = `${storeDir}.conf`;
    const text = readFileSync(options.config.file, 'utf8');
    writeFileSync(file, text.replace(/store_dir:\s*\S+/, `store_dir: "${storeDir}"`));
    args.push('-c', file);
  } else if (options.jetstream) {
    args.push('-js', '-sd', storeDir);
  }
  const child = spawn(natsServerBinary, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...options.config?.env },
  });
  // What it said on standard error, for the message when it does not come up.
  let said = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    said = `${said}${chunk.toString()}`.slice(-2000);
  });
  lastOutput = () => said;
  // Generous: on a loaded machine a server with a configuration file takes a while to bind.
  const deadline = Date.now() + 30_000;
  while (!(await portOpen(port))) {
    // It exited (the port was taken meanwhile): the caller starts over on another port.
    if (child.exitCode !== null) return child;
    if (Date.now() > deadline) {
      await stop(child);
      throw new Error(`private nats-server did not start: ${said.trim() || 'no output'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // Give a failed bind the moment it needs to exit before the port is trusted.
  await new Promise((resolve) => setTimeout(resolve, 100));
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  // A frozen server (SIGSTOP) takes SIGTERM only once it runs again.
  child.kill('SIGCONT');
  await exited;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The NATS users of deploy/nats/nats-server.conf: one per service, and a read-only reader. */
export const DEPLOY_NATS_USERS = ['gateway', 'token', 'client-registry', 'audit', 'siem'] as const;
export type DeployNatsUser = (typeof DEPLOY_NATS_USERS)[number];

/** The shipped configuration, as operators deploy it. */
export const DEPLOY_NATS_CONFIG = join(
  __dirname,
  '..',
  '..',
  '..',
  'deploy',
  'nats',
  'nats-server.conf',
);

/**
 * Fresh passwords for the users of deploy/nats/nats-server.conf: the server's environment, and
 * each user's credentials.
 */
export function deployNatsCredentials(): {
  config: { file: string; env: Record<string, string> };
  users: Record<DeployNatsUser, { user: string; password: string }>;
} {
  const users = Object.fromEntries(
    DEPLOY_NATS_USERS.map((user) => [
      user,
      // Letters and digits, a letter first: the configuration file reads the variable as a
      // value, and one that starts with a digit or `-` is taken for a number and refused.
      { user, password: `p${randomBytes(24).toString('hex')}` },
    ]),
  ) as Record<DeployNatsUser, { user: string; password: string }>;
  const env = Object.fromEntries(
    DEPLOY_NATS_USERS.map((user) => [
      `LATCHKEY_NATS_${user.toUpperCase().replace('-', '_')}_PASSWORD`,
      users[user].password,
    ]),
  );
  return { config: { file: DEPLOY_NATS_CONFIG, env }, users };
}
