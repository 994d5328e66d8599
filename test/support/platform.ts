import type { INestApplication } from '@nestjs/common';
import { embeddedConfig, loadConfig } from '@latchkey/config';
import { generateAuditSigningKey } from '@latchkey/contracts';
import {
  createTestDatabase,
  deployNatsCredentials,
  describeWithBackends,
  haveNatsServer,
  startTestNats,
  TEST_BACKENDS,
  type BackendName,
  type TestNats,
} from '@latchkey/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startEmbedded, stopEmbedded } from '../../apps/embedded/src/embedded';
import { entryOf, freePort, startProcess, type RunningProcess } from './processes';

/**
 * The whole platform for a test, in either run mode, with its issuer equal to the URL it is
 * really served at (so relying-party libraries can discover it and check `iss` strictly):
 *  - embedded: the four services in this process (in-process bus, PGlite, memory KV);
 *  - distributed: the four built processes from dist/ (`npm run build` first) on a private
 *    nats-server with JetStream, the machine's Redis and a fresh Postgres database. NATS runs
 *    the shipped deploy/nats/nats-server.conf: each service connects as its own user with its
 *    permissions, and signs its audit events with its own key, as in production.
 */
export type PlatformMode = 'embedded' | 'distributed';
export const PLATFORM_MODES: readonly PlatformMode[] = ['embedded', 'distributed'];

export interface Platform {
  mode: PlatformMode;
  /** `http://127.0.0.1:<port>`, where the gateway listens. */
  issuer: string;
  adminClient: { id: string; secret: string };
  /**
   * Where `/token`, `/introspect`, `/revoke` and the key set are also served without the gateway,
   * as a path-routing ingress reaches them: the token service's own port (distributed), the
   * issuer (embedded, one port for everything).
   */
  tokenOrigin: string;
  /** The services' NATS (distributed mode); undefined in embedded mode (the in-process bus). */
  natsUrl?: string;
  /** The NATS credentials of deploy/nats/nats-server.conf's users (distributed mode). */
  natsUsers?: ReturnType<typeof deployNatsCredentials>['users'];
  /**
   * Where each service answers `/metrics`: the gateway and each internal service's
   * HEALTH_PORT (distributed), the issuer alone (embedded: one process, one registry).
   */
  metricsOrigins: string[];
  /**
   * What the platform logged: the processes' output (distributed mode), or every line the
   * loggers wrote (embedded mode, where they write here instead of standard output).
   */
  output(): string;
  stop(): Promise<void>;
}

const BOOT_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 60_000;

/** Extra environment for the platform under test (e.g. the OUTBOUND_* allowance). */
export type PlatformEnv = Record<string, string>;

export function startPlatform(mode: PlatformMode, extraEnv: PlatformEnv = {}): Promise<Platform> {
  return mode === 'embedded' ? startEmbeddedPlatform(extraEnv) : startDistributedPlatform(extraEnv);
}

export async function startEmbeddedPlatform(extraEnv: PlatformEnv = {}): Promise<Platform> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-e2e-'));
  let logged = '';
  const logDestination = { write: (line: string) => (logged += line) };
  // The port is chosen before the gateway binds it (the issuer must name it); another process
  // may take it in between, so a taken port is retried with another.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const config = {
      ...embeddedConfig(
        loadConfig({
          PORT: String(port),
          ISSUER: issuer,
          DATA_DIR: dataDir,
          LOG_LEVEL: 'silent',
          ...extraEnv,
        }),
      ),
      logDestination,
    };
    let apps: INestApplication[];
    try {
      apps = await startEmbedded(config);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 3) continue;
      rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
    return {
      mode: 'embedded',
      issuer,
      tokenOrigin: issuer,
      metricsOrigins: [issuer],
      adminClient: config.adminClient!,
      output: () => logged,
      stop: async () => {
        await stopEmbedded(apps);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
}

/** Backends the distributed mode needs from the machine (NATS only without a nats-server binary). */
export function distributedBackends(): BackendName[] {
  return haveNatsServer() ? ['postgres', 'redis'] : ['postgres', 'redis', 'nats'];
}

export interface DistributedOptions {
  /** A nats-server shared with other platforms (then not stopped with this one). */
  nats?: TestNats;
}

export async function startDistributedPlatform(
  extraEnv: PlatformEnv = {},
  options: DistributedOptions = {},
): Promise<Platform> {
  // Its own nats-server runs the shipped configuration: a user and permissions per service.
  const credentials =
    options.nats === undefined && haveNatsServer() ? deployNatsCredentials() : undefined;
  const nats =
    options.nats ??
    (await startTestNats(credentials ? { config: credentials.config } : { jetstream: true }));
  const ownNats = options.nats === undefined;
  const auditSignature = auditSignatureEnv();
  const db = await createTestDatabase('latchkey_e2e_flow');
  const [port, ...healthPorts] = await distinctFreePorts(4);
  const issuer = `http://127.0.0.1:${port}`;
  const adminClient = { id: 'latchkey-admin', secret: randomBytes(32).toString('base64url') };
  const env: Record<string, string> = {
    NATS_URL: nats.url,
    REDIS_URL: TEST_BACKENDS.redis,
    DATABASE_URL: db.url,
    ISSUER: issuer,
    PORT: String(port),
    KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    COOKIE_SECRET: randomBytes(32).toString('base64url'),
    ADMIN_CLIENT_ID: adminClient.id,
    ADMIN_CLIENT_SECRET: adminClient.secret,
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const serviceEnv = (service: string): Record<string, string> => ({
    ...(credentials
      ? {
          NATS_USER: credentials.users[service as keyof typeof credentials.users].user,
          NATS_PASSWORD: credentials.users[service as keyof typeof credentials.users].password,
        }
      : {}),
    ...auditSignature(service),
  });
  const running: RunningProcess[] = [];
  const output = () => running.map((p) => `--- ${p.name} ---\n${p.output()}`).join('\n');

  const stop = async () => {
    await Promise.all(running.map((p) => stopGracefully(p)));
    if (ownNats) {
      await nats.stop();
      rmSync(`/tmp/latchkey-test-nats-${nats.port}`, { recursive: true, force: true });
      rmSync(`/tmp/latchkey-test-nats-${nats.port}.conf`, { force: true });
    }
    await db.drop();
  };

  const start = async (service: string, healthPort: number) => {
    const extra: Record<string, string> =
      service === 'gateway' ? {} : { HEALTH_PORT: String(healthPort) };
    const proc = startProcess(service, [entryOf(service)], {
      ...env,
      ...serviceEnv(service),
      ...extra,
    });
    running.push(proc);
    await waitUntilReady(proc, `http://127.0.0.1:${healthPort}/readyz`);
  };

  try {
    await Promise.all([
      start('token', healthPorts[0]!),
      start('client-registry', healthPorts[1]!),
      start('audit', healthPorts[2]!),
      start('gateway', port!),
    ]);
  } catch (err) {
    const message = `${(err as Error).message}\n${output()}`;
    await stop();
    throw new Error(message, { cause: err });
  }
  const tokenOrigin = `http://127.0.0.1:${healthPorts[0]!}`;
  return {
    mode: 'distributed',
    issuer,
    tokenOrigin,
    metricsOrigins: [issuer, ...healthPorts.map((healthPort) => `http://127.0.0.1:${healthPort}`)],
    adminClient,
    natsUrl: nats.url,
    natsUsers: credentials?.users,
    output,
    stop,
  };
}

export async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** Polls /readyz until 200; fails at once when the process exits (bad config, crash). */
export async function waitUntilReady(
  proc: RunningProcess,
  url: string,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { exitCode, signalCode } = proc.child;
    if (exitCode !== null || signalCode !== null) {
      throw new Error(`${proc.name} exited (${exitCode ?? signalCode}) before it was ready`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (res.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${proc.name} was not ready within ${timeoutMs / 1000} s`);
}

/** SIGTERM (the services drain and exit), SIGKILL if one does not exit in time. */
export async function stopGracefully(proc: RunningProcess): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), 20_000);
  });
  const result = await Promise.race([proc.stop('SIGTERM'), late]);
  clearTimeout(timer);
  if (result === 'late') await proc.stop('SIGKILL');
}

/**
 * Boots the platform before the enclosing describe's tests and stops it after them; the getter
 * answers the running platform.
 */
export function usePlatform(mode: PlatformMode, extraEnv: PlatformEnv = {}): () => Platform {
  let platform: Platform | undefined;
  beforeAll(async () => {
    platform = await startPlatform(mode, extraEnv);
  }, BOOT_TIMEOUT_MS);
  afterAll(async () => {
    await platform?.stop();
  }, STOP_TIMEOUT_MS);
  return () => {
    if (!platform) throw new Error(`the ${mode} platform did not start`);
    return platform;
  };
}

/**
 * The same tests against each run mode, each booted once for the block. The distributed block
 * needs the machine's backends: skipped with the reason when one is down, failed under CI=true.
 */
export function describeEachMode(
  title: string,
  body: (platform: () => Platform, mode: PlatformMode) => void,
  extraEnv: PlatformEnv = {},
): void {
  describe.each(PLATFORM_MODES)(`${title}: %s mode`, (mode) => {
    const block = () => body(usePlatform(mode, extraEnv), mode);
    if (mode === 'distributed') {
      describeWithBackends(distributedBackends(), 'four processes', block);
    } else {
      block();
    }
  });
}

/**
 * A signing key per emitting service (AUDIT_SIGNING_KEY) and, for the audit service, the list of
 * their public halves (AUDIT_EVENT_PUBLIC_KEYS), as a distributed installation is configured.
 */
export function auditSignatureEnv(): (service: string) => Record<string, string> {
  const keys = Object.fromEntries(
    ['gateway', 'token', 'client-registry'].map((service) => [service, generateAuditSigningKey()]),
  );
  return (service): Record<string, string> =>
    service === 'audit'
      ? {
          AUDIT_EVENT_PUBLIC_KEYS: Object.entries(keys)
            .map(([emitter, key]) => `${emitter}=${key.publicKey}`)
            .join(','),
        }
      : { AUDIT_SIGNING_KEY: keys[service]!.seed };
}
