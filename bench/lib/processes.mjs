/**
 * Child processes of the bench and their cleanup: everything started is registered here and
 * stopped (SIGTERM, then SIGKILL) on exit, on error and on Ctrl-C, with the cleanups (drop the
 * database, flush the Redis index, remove the JetStream directory) run after the processes.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const children = new Set();
const cleanups = [];
let shuttingDown;

export function onCleanup(fn) {
  cleanups.push(fn);
}

/**
 * Spawns `command args` with its output in `logFile` (a file, not a pipe: reading the services'
 * request logs would cost this process CPU on the same two cores while it measures).
 */
export function start(name, command, args, { env, cwd, logFile }) {
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { env, cwd, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  const output = () => {
    try {
      return readFileSync(logFile, 'utf8').slice(-8_192);
    } catch {
      return '';
    }
  };
  const proc = { name, child, pid: child.pid, exited, output };
  children.add(proc);
  exited.then(() => children.delete(proc));
  return proc;
}

export async function stopProcess(proc, graceMs = 10_000) {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

/** Stops every child, then runs the cleanups in reverse order; safe to call more than once. */
export function shutdown() {
  shuttingDown ??= (async () => {
    await Promise.all([...children].map((p) => stopProcess(p)));
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        console.error(`cleanup failed: ${err.message}`);
      }
    }
  })();
  return shuttingDown;
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the bench...`);
    shutdown().finally(() => process.exit(130));
  });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function distinctFreePorts(count) {
  const ports = new Set();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** Polls `url` until it answers 200; fails at once when the process has exited. */
export async function waitForHttp(proc, url, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`${proc.name} exited before it was ready:\n${proc.output()}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
      if (res.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${proc.name} was not ready within ${timeoutMs / 1000} s:\n${proc.output()}`);
}
