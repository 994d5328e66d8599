import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  createTestDatabase,
  describeWithBackends,
  existingSchemas,
  haveNatsServer,
  portOpen,
  startTestNats,
  TEST_BACKENDS,
  type TestNats,
} from '@latchkey/testing';
import { eventually, freePort, getJson, ROOT } from './support/processes';

/** The README's distributed quick start, run as written: only the backends' addresses differ. */
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The shell block between `<!-- name:begin -->` and `<!-- name:end -->`. */
function readmeBlock(name: string): string {
  const section = new RegExp(
    `<!-- ${name}:begin -->\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${name}:end -->`,
  );
  const match = section.exec(README);
  if (!match) throw new Error(`README.md has no \`\`\`sh block between the ${name} markers`);
  return match[1];
}

/** Replaces every occurrence, insisting there is one: a README that changed must fail here. */
function replaceAll(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`the README block no longer contains ${from}`);
  return text.split(from).join(to);
}

const HEALTH_PORTS = [9101, 9102, 9103];

describeWithBackends(['postgres', 'redis'], "README's distributed quick start", () => {
  jest.setTimeout(600_000);

  let nats: TestNats | undefined;
  let shell: ChildProcess | undefined;
  let output = '';
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let port: number;

  beforeAll(async () => {
    if (!haveNatsServer()) throw new Error('needs a nats-server binary for a private NATS');
    for (const healthPort of HEALTH_PORTS) {
      if (await portOpen(healthPort)) {
        throw new Error(`port ${healthPort} is taken; the README's services use 9101-9103`);
      }
    }
    nats = await startTestNats({ jetstream: true });
    port = await freePort();
    // A fresh name for a database that does not exist: the README's commands must create it.
    db = await createTestDatabase('latchkey_readme');
    await db.drop();
  });

  afterAll(async () => {
    if (shell?.pid) await stopGroup(shell.pid);
    await nats?.stop();
    await db?.drop();
  });

  it('brings up the four services on a database it creates, and the admin client gets a token that works', async () => {
    let script = `${readmeBlock('distributed')}\n${readmeBlock('admin-token')}\necho\necho "TOKEN=$TOKEN"\n`;
    script = replaceAll(script, 'nats://127.0.0.1:4222', nats!.url);
    script = replaceAll(script, 'redis://127.0.0.1:6379', TEST_BACKENDS.redis);
    script = replaceAll(script, 'postgres://postgres@127.0.0.1:5432/latchkey', db!.url);
    script = replaceAll(script, '8080', String(port));

    // A shell with nothing set but what a fresh login has (and the gateway port chosen above);
    // its own process group, so that the background services can all be stopped together.
    shell = spawn('bash', ['-c', `set -e\n${script}`], {
      cwd: ROOT,
      detached: true,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    shell.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    shell.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // The block ends once all four answer /readyz; a service that stops instead (start-distributed
    // then stops the others) would leave its wait loop spinning, so that ends the wait too.
    const code = await new Promise<number | string>((resolve) => {
      const timer = setTimeout(() => resolve('a timeout'), 480_000);
      const watch = setInterval(() => {
        if (/stopping the others/.test(output)) finish('a service that stopped');
      }, 500);
      const finish = (result: number | string) => {
        clearTimeout(timer);
        clearInterval(watch);
        resolve(result);
      };
      shell!.once('exit', (exitCode) => finish(exitCode ?? 'a signal'));
    });
    if (code !== 0) throw new Error(`the README block ended with ${code}:\n${output}`);

    // The README's own admin call created a client with the token.
    expect(output).toMatch(/"client_name":"billing"/);
    const token = /^TOKEN=(\S+)$/m.exec(output)?.[1];
    expect(token).toEqual(expect.any(String));

    const base = `http://localhost:${port}`;
    const list = await getJson(`${base}/admin/clients`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(list.status).toBe(200);
    expect((list.body.items as { client_name?: string }[]).map((c) => c.client_name)).toContain(
      'billing',
    );
    const without = await fetch(`${base}/admin/clients`);
    expect(without.status).toBe(401);

    for (const readyz of [port, ...HEALTH_PORTS].map((p) => `http://localhost:${p}/readyz`)) {
      expect((await getJson(readyz)).status).toBe(200);
    }

    // The database did not exist before: the scripts created it, and each service its schema.
    expect(
      await existingSchemas(db!.url, ['gateway', 'token', 'client_registry', 'audit']),
    ).toEqual(['audit', 'client_registry', 'gateway', 'token']);
  });
});

/** SIGTERM to every process of the group (the services drain and exit), SIGKILL after 30 s. */
async function stopGroup(pid: number): Promise<void> {
  const alive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(-pid, 'SIGTERM');
  await eventually(async () => !alive(), { what: 'the services to stop', timeoutMs: 30_000 }).catch(
    () => process.kill(-pid, 'SIGKILL'),
  );
}
