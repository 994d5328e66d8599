import { portOpen, startTestNats, type TestNats } from '@latchkey/testing';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../support/processes';

/**
 * Redis, Postgres and NATS processes of one reliability suite alone, on free loopback ports, so
 * that the suite can freeze (SIGSTOP/SIGCONT), kill and restart them without touching the
 * machine's shared servers.
 */
export interface PrivateBackend {
  readonly name: 'redis' | 'postgres' | 'nats';
  readonly url: string;
  /** SIGSTOP every process of the backend: connections stay open, nothing answers. */
  freeze(): void;
  thaw(): void;
  /** SIGKILL, as a crash or an OOM kill would. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same data (Redis without persistence: empty). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface PrivateBackends {
  redis: PrivateBackend;
  postgres: PrivateBackend;
  nats: PrivateBackend;
  stop(): Promise<void>;
}

export async function startPrivateBackends(): Promise<PrivateBackends> {
  const [redis, postgres, nats] = await Promise.all([
    startPrivateRedis(),
    startPrivatePostgres(),
    startPrivateNats(),
  ]);
  return {
    redis,
    postgres,
    nats,
    stop: async () => {
      await Promise.all([redis.stop(), postgres.stop(), nats.stop()]);
    },
  };
}

async function waitForPort(port: number, what: string, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await portOpen(port))) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`${what} exited before it listened on ${port}`);
    }
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port} within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function startPrivateRedis(): Promise<PrivateBackend> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'latchkey-redis-'));
  const launch = async () => {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { cwd: dir, stdio: 'ignore' },
    );
    await waitForPort(port, 'redis-server', child);
    return child;
  };
  let child = await launch();
  return {
    name: 'redis',
    url: `redis://127.0.0.1:${port}`,
    freeze: () => child.kill('SIGSTOP'),
    thaw: () => child.kill('SIGCONT'),
    kill: async () => {
      child.kill('SIGKILL');
      await exited(child);
    },
    restart: async () => {
      child = await launch();
    },
    stop: async () => {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await exited(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startPrivateNats(): Promise<PrivateBackend> {
  const nats: TestNats = await startTestNats({ jetstream: true });
  return {
    name: 'nats',
    url: nats.url,
    freeze: () => {
      if (!nats.signal('SIGSTOP')) throw new Error('no private nats-server to freeze');
    },
    thaw: () => void nats.signal('SIGCONT'),
    kill: async () => {
      nats.signal('SIGKILL');
      await nats.stop();
    },
    restart: () => nats.restart(),
    stop: async () => {
      await nats.stop();
      rmSync(`/tmp/latchkey-test-nats-${nats.port}`, { recursive: true, force: true });
    },
  };
}

/** The newest PostgreSQL server binaries Debian installed. */
function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error(`no PostgreSQL server binaries under ${root}`);
  return path.join(root, versions[0]!, 'bin');
}

/**
 * initdb refuses to run as root: as root, the cluster belongs to the `postgres` user and its
 * commands run as that user; otherwise as the current user. Spawned with that uid directly (not
 * through runuser), so the child is the postmaster itself and signals reach it.
 */
function clusterOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(spawnSync('id', ['-u', 'postgres']).stdout.toString().trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres']).stdout.toString().trim());
  return { uid, gid };
}

/** The pids whose parent is `pid` (the postmaster's backends and background workers). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name (2nd field) is in parentheses and may hold spaces: split after it.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // Exited meanwhile.
    }
  }
  return children;
}

async function startPrivatePostgres(): Promise<PrivateBackend> {
  const bin = postgresBinDir();
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'latchkey-pg-'));
  const owner = clusterOwner();
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = path.join(dir, 'data');
  const init = spawnSync(
    path.join(bin, 'initdb'),
    ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync'],
    { encoding: 'utf8', cwd: dir, ...owner },
  );
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);

  const postmasterPid = (): number | undefined => {
    try {
      return Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return undefined;
    }
  };
  const everyProcess = (): number[] => {
    const pid = postmasterPid();
    return pid === undefined ? [] : [pid, ...childrenOf(pid)];
  };
  const signalAll = (signal: NodeJS.Signals) => {
    for (const pid of everyProcess()) {
      try {
        process.kill(pid, signal);
      } catch {
        // Exited meanwhile.
      }
    }
  };

  let child: ChildProcess;
  const launch = async () => {
    // fsync off (the machine does not crash, only processes do), but synchronous commits: a
    // commit answered before its WAL left the server's memory would be lost by SIGKILL, which
    // would test the test bed, not the platform.
    const args = [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=200',
    ];
    child = spawn(path.join(bin, 'postgres'), args, { stdio: 'ignore', cwd: dir, ...owner });
    await waitForPort(port, 'postgres', child);
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const client = new Client({ connectionString: url });
      try {
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
        return;
      } catch (err) {
        await client.end().catch(() => undefined);
        if (Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  };
  await launch();
  const killAll = async () => {
    // The postmaster first (no new backends), then what it had started.
    const pids = everyProcess();
    signalAll('SIGKILL');
    for (const pid of pids) {
      while (existsSync(`/proc/${pid}`) && !isZombie(pid)) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    await exited(child);
  };
  return {
    name: 'postgres',
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    freeze: () => signalAll('SIGSTOP'),
    thaw: () => signalAll('SIGCONT'),
    kill: killAll,
    restart: launch,
    stop: async () => {
      signalAll('SIGCONT');
      const pid = postmasterPid();
      if (pid !== undefined) {
        try {
          process.kill(pid, 'SIGINT'); // fast shutdown
        } catch {
          // Already gone.
        }
      }
      await exited(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** A fresh database on the private Postgres; its URL. */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
