import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import {
  auditSignatureEnv,
  distinctFreePorts,
  stopGracefully,
  waitUntilReady,
} from '../../support/platform';
import { entryOf, startProcess, type RunningProcess } from '../../support/processes';
import { createDatabase, startPrivateBackends, type PrivateBackends } from './private-backends';
import { startRoundRobinProxy, type RoundRobinProxy } from './round-robin-proxy';

/**
 * The distributed platform on private backends: `replicas` gateways and token services (and as
 * many client registries and audit services with `everyServiceReplicated`, else one of each),
 * the built processes from dist/, behind a round-robin proxy whose address is the issuer. Every
 * process can be frozen, killed and restarted.
 */
export interface Replica {
  /** `gateway-1`, `token-2`, ... */
  name: string;
  service: string;
  /** Its HTTP port (the gateway's PORT, the others' HEALTH_PORT). */
  port: number;
  process(): RunningProcess;
  freeze(): void;
  thaw(): void;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (the service drains) and wait for the exit. */
  terminate(): Promise<number | string>;
  /** Starts it again with the same settings; resolves once it is ready. */
  start(): Promise<void>;
}

export interface Cluster {
  issuer: string;
  adminClient: { id: string; secret: string };
  backends: PrivateBackends;
  databaseUrl: string;
  replicas: Replica[];
  replica(name: string): Replica;
  proxy: RoundRobinProxy;
  output(): string;
  /** One SQL query on the platform's database. */
  query<T extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  replicas: 1 | 2;
  /** The client registry and the audit service run `replicas` replicas too. */
  everyServiceReplicated?: boolean;
  /** Extra environment for every service. */
  env?: Record<string, string>;
  /** How long the proxy waits for an upstream before it answers 503. */
  upstreamTimeoutMs?: number;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const backends = await startPrivateBackends();
  const databaseUrl = await createDatabase(backends.postgres.url, 'latchkey_reliability');
  const services = [
    ...Array.from({ length: options.replicas }, (_, i) => ['gateway', i + 1] as const),
    ...Array.from({ length: options.replicas }, (_, i) => ['token', i + 1] as const),
    ...Array.from(
      { length: options.everyServiceReplicated ? options.replicas : 1 },
      (_, i) => ['client-registry', i + 1] as const,
    ),
    ...Array.from(
      { length: options.everyServiceReplicated ? options.replicas : 1 },
      (_, i) => ['audit', i + 1] as const,
    ),
  ];
  const [proxyPort, ...ports] = await distinctFreePorts(services.length + 1);
  const issuer = `http://127.0.0.1:${proxyPort}`;
  const adminClient = { id: 'latchkey-admin', secret: randomBytes(32).toString('base64url') };
  const env: Record<string, string> = {
    NATS_URL: backends.nats.url,
    REDIS_URL: backends.redis.url,
    DATABASE_URL: databaseUrl,
    ISSUER: issuer,
    KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    COOKIE_SECRET: randomBytes(32).toString('base64url'),
    ADMIN_CLIENT_ID: adminClient.id,
    ADMIN_CLIENT_SECRET: adminClient.secret,
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  const auditSignature = auditSignatureEnv();
  const all: RunningProcess[] = [];
  const replicas: Replica[] = services.map(([service, index], i) => {
    const port = ports[i]!;
    const name = `${service}-${index}`;
    const own: Record<string, string> =
      service === 'gateway' ? { PORT: String(port) } : { HEALTH_PORT: String(port) };
    let proc: RunningProcess | undefined;
    const current = () => {
      if (!proc) throw new Error(`${name} was never started`);
      return proc;
    };
    return {
      name,
      service,
      port,
      process: current,
      freeze: () => void current().child.kill('SIGSTOP'),
      thaw: () => void current().child.kill('SIGCONT'),
      kill: async () => {
        await current().stop('SIGKILL');
      },
      terminate: () => current().stop('SIGTERM'),
      start: async () => {
        proc = startProcess(name, [entryOf(service)], {
          ...env,
          ...own,
          ...auditSignature(service),
        });
        all.push(proc);
        // Generous: a loaded two-core machine boots six processes at once.
        await waitUntilReady(proc, `http://127.0.0.1:${port}/readyz`, 180_000);
      },
    };
  });
  const output = () => all.map((p) => `--- ${p.name} ---\n${p.output()}`).join('\n');
  let proxy: RoundRobinProxy | undefined;
  const stop = async () => {
    await proxy?.close();
    for (const replica of replicas) {
      try {
        replica.thaw();
      } catch {
        // Never started.
      }
    }
    await Promise.all(all.map((p) => stopGracefully(p)));
    await backends.stop();
  };
  try {
    // The registry first: the others read the admin client and resources through it.
    await Promise.all(replicas.map((r) => r.start()));
    proxy = await startRoundRobinProxy(
      proxyPort!,
      {
        gateways: replicas
          .filter((r) => r.service === 'gateway')
          .map((r) => ({ name: r.name, port: r.port })),
        tokenServices: replicas
          .filter((r) => r.service === 'token')
          .map((r) => ({ name: r.name, port: r.port })),
      },
      options.upstreamTimeoutMs ?? 8_000,
    );
  } catch (err) {
    const message = `${(err as Error).message}\n${output()}`;
    await stop();
    throw new Error(message, { cause: err });
  }
  return {
    issuer,
    adminClient,
    backends,
    databaseUrl,
    replicas,
    replica: (name) => {
      const found = replicas.find((r) => r.name === name);
      if (!found) throw new Error(`no replica ${name}`);
      return found;
    },
    proxy,
    output,
    query: async <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) => {
      const client = new Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        return (await client.query<T>(sql, params)).rows;
      } finally {
        await client.end();
      }
    },
    stop,
  };
}
