/**
 * The two targets of the bench: Latchkey in distributed mode (four service processes on a private
 * nats-server with JetStream, the machine's Redis and Postgres) and node-oidc-provider in one
 * process. Each answers { name, issuer, pids() } where pids() lists the processes whose CPU is
 * that side's cost (docs/performance.md, "Method").
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { distinctFreePorts, onCleanup, start, waitForHttp } from './processes.mjs';
import services from '../../scripts/services.js';
import { postgresPids } from './proc-stats.mjs';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
const NATS_SERVER = existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server';
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Redis database indexes the bench may use (the first empty one); the tests use index 0. */
const REDIS_DB_CANDIDATES = [13, 14, 15, 12, 11, 10];
/** Start order of docs/architecture.md §1; the gateway last, once the others answer. */
const SERVICES = ['token', 'client-registry', 'audit', 'gateway'];

/** Same values for both sides, so the two do the same work. */
export const BENCH_RESOURCE = {
  identifier: 'https://api.bench.test',
  name: 'Bench API',
  scopes: ['api:read'],
};
/** The peer's resource with opaque access tokens (bench/oidc-provider/server.mjs says why). */
export const PEER_OPAQUE_RESOURCE = 'https://opaque.api.bench.test';
export const BENCH_REDIRECT_URI = 'https://rp.bench.test/cb';
/**
 * Virtual user i signs in as user i mod 8: a login benchmark of one account would measure how one
 * account's sessions pile up and contend, not how fast passwords are checked.
 */
export const BENCH_USERS = Array.from({ length: 8 }, (_, i) => ({
  username: `bench-user-${i}`,
  password: `bench correct horse battery staple ${i}`,
}));

/** The image's settings of the runtime itself, which the bench runs the services with too. */
const IMAGE_RUNTIME_ENV = ['NODE_OPTIONS', 'MALLOC_ARENA_MAX'];

/**
 * The runtime settings the image runs every service with (its `ENV` lines for the V8 heap and the
 * C allocator), so the bench measures the memory behaviour that is deployed.
 */
export function imageRuntimeEnv() {
  const dockerfile = readFileSync(path.join(ROOT, 'deploy', 'Dockerfile'), 'utf8');
  return Object.fromEntries(
    IMAGE_RUNTIME_ENV.map((name) => {
      const match = new RegExp(`^ENV ${name}="([^"]*)"`, 'm').exec(dockerfile);
      if (!match) throw new Error(`deploy/Dockerfile sets no ${name}`);
      return [name, match[1]];
    }),
  );
}

/** The schemas whose audit_outbox tables hold events not yet delivered to the audit stream. */
const OUTBOX_SCHEMAS = ['gateway', 'token', 'client_registry'];

/** The paths the ingress routes to the token service rather than the gateway. */
export const TOKEN_SERVICE_PATHS = ['/token', '/introspect', '/revoke', '/.well-known/jwks.json'];

export async function startLatchkey({ workDir, logLevel, nodeFlags = () => [] }) {
  const [port, natsPort, ...healthPorts] = await distinctFreePorts(2 + SERVICES.length - 1);
  const issuer = `http://127.0.0.1:${port}`;

  // Private nats-server with JetStream, never the machine's shared one.
  const jsDir = path.join(workDir, 'jetstream');
  mkdirSync(jsDir, { recursive: true });
  const nats = start(
    'nats-server',
    NATS_SERVER,
    ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', jsDir],
    { logFile: path.join(workDir, 'nats-server.log') },
  );

  // A fresh database per run, dropped at the end.
  const database = `latchkey_bench_${Date.now().toString(36)}_${process.pid}`;
  const admin = new pg.Client({ connectionString: `${POSTGRES_URL}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  onCleanup(async () => {
    const client = new pg.Client({ connectionString: `${POSTGRES_URL}/postgres` });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await client.end();
  });

  // A Redis database index of its own, checked empty first and flushed at the end.
  const redisDb = await claimRedisDb();
  onCleanup(async () => {
    const redis = new Redis(`${REDIS_URL}/${redisDb}`, { lazyConnect: true });
    await redis.connect();
    await redis.flushdb();
    redis.disconnect();
  });

  const adminClient = { id: 'bench-admin', secret: randomBytes(32).toString('base64url') };
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'production',
    NATS_URL: `nats://127.0.0.1:${natsPort}`,
    REDIS_URL: `${REDIS_URL}/${redisDb}`,
    DATABASE_URL: `${POSTGRES_URL}/${database}`,
    ISSUER: issuer,
    PORT: String(port),
    KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    COOKIE_SECRET: randomBytes(32).toString('base64url'),
    ADMIN_CLIENT_ID: adminClient.id,
    ADMIN_CLIENT_SECRET: adminClient.secret,
    LOG_LEVEL: logLevel,
    ...imageRuntimeEnv(),
  };
  await waitForPort(nats, natsPort);

  // Signed audit events, as every distributed installation runs them.
  const auditKeys = services.freshAuditKeys();
  const running = {};
  await Promise.all(
    SERVICES.map(async (service, i) => {
      const healthPort = service === 'gateway' ? port : healthPorts[i];
      const proc = start(service, process.execPath, [...nodeFlags(service), entryOf(service)], {
        cwd: ROOT,
        env: {
          ...env,
          ...auditKeys(service),
          ...(service === 'gateway' ? {} : { HEALTH_PORT: String(healthPort) }),
        },
        logFile: path.join(workDir, `${service}.log`),
      });
      running[service] = proc;
      await waitForHttp(proc, `http://127.0.0.1:${healthPort}/readyz`);
    }),
  );

  const redisPid = await redisServerPid(redisDb);
  // What the Kubernetes ingress does (deploy/kubernetes/ingress.yaml): the token endpoints and
  // the key set go straight to the token service's HTTP port, every other path to the gateway.
  const tokenOrigin = `http://127.0.0.1:${healthPorts[SERVICES.indexOf('token')]}`;
  const routes = Object.fromEntries(TOKEN_SERVICE_PATHS.map((p) => [p, tokenOrigin]));
  // One connection of the bench's own to read the audit trail's progress (see auditTrail).
  const trail = new pg.Client({ connectionString: `${POSTGRES_URL}/${database}` });
  await trail.connect();
  onCleanup(() => trail.end());
  return {
    name: 'latchkey',
    issuer,
    routes,
    /**
     * Where the audit trail stands: events still in the services' outboxes, and events stored
     * in the hash-chained log. The trail has caught up when nothing is pending and the stored
     * count has stopped moving (events in the JetStream stream between the two are counted by
     * neither).
     */
    auditTrail: async () => {
      const { rows } = await trail.query(
        `SELECT (${OUTBOX_SCHEMAS.map((s) => `(SELECT count(*) FROM "${s}"."audit_outbox")`).join(' + ')})::int AS pending,
                (SELECT count(*) FROM "audit"."events")::int AS stored`,
      );
      return rows[0];
    },
    adminClient,
    database,
    redisDb,
    services: running,
    /** The side's processes: the four services, its nats-server, Redis and Postgres. */
    pids: () => ({
      ...Object.fromEntries(Object.entries(running).map(([name, p]) => [name, [p.pid]])),
      'nats-server': [nats.pid],
      redis: [redisPid],
      postgres: postgresPids(database),
    }),
  };
}

function entryOf(service) {
  return path.join(ROOT, 'dist', 'apps', service, 'main.js');
}

async function claimRedisDb() {
  for (const db of REDIS_DB_CANDIDATES) {
    const redis = new Redis(`${REDIS_URL}/${db}`, { lazyConnect: true });
    await redis.connect();
    const size = await redis.dbsize();
    redis.disconnect();
    if (size === 0) return db;
  }
  throw new Error(`no empty Redis database among ${REDIS_DB_CANDIDATES.join(', ')}`);
}

async function redisServerPid(db) {
  const redis = new Redis(`${REDIS_URL}/${db}`, { lazyConnect: true });
  await redis.connect();
  const info = await redis.info('server');
  redis.disconnect();
  return Number(/process_id:(\d+)/.exec(info)[1]);
}

async function waitForPort(proc, port) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited:\n${proc.output()}`);
    const open = await new Promise((resolve) => {
      import('node:net').then(({ connect }) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
      });
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${proc.name} did not listen on ${port}`);
}

/**
 * Provisions Latchkey through its admin API (docs/architecture.md §4): the API resource, the
 * user, a client_credentials client and a first-party web client; answers the clients with the
 * secrets Latchkey generated, which the peer is then configured with.
 */
export async function provisionLatchkey(latchkey) {
  const token = await adminToken(latchkey);
  const call = async (method, url, body, expected = 201) => {
    const res = await fetch(`${latchkey.issuer}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== expected) throw new Error(`${method} ${url}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
  await call('POST', '/admin/resources', BENCH_RESOURCE);
  for (const user of BENCH_USERS) {
    await call('POST', '/admin/users', {
      ...user,
      email: `${user.username}@example.test`,
      email_verified: true,
      name: user.username,
    });
  }
  const machine = await call('POST', '/admin/clients', {
    client_name: 'bench machine client',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: BENCH_RESOURCE.scopes.join(' '),
  });
  const web = await call('POST', '/admin/clients', {
    client_name: 'bench web client',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [BENCH_REDIRECT_URI],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: `openid profile email offline_access ${BENCH_RESOURCE.scopes.join(' ')}`,
    skip_consent: true,
  });
  return { machine, web };
}

async function adminToken(latchkey) {
  const basic = Buffer.from(
    `${encodeURIComponent(latchkey.adminClient.id)}:${encodeURIComponent(latchkey.adminClient.secret)}`,
  ).toString('base64');
  const res = await fetch(`${latchkey.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${basic}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials&scope=admin',
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`admin token: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** node-oidc-provider with the clients Latchkey was provisioned with (bench/oidc-provider/). */
export async function startPeer({ workDir, clients, nodeFlags = () => [] }) {
  const [port] = await distinctFreePorts(1);
  const setupFile = path.join(workDir, 'peer-setup.json');
  writeFileSync(
    setupFile,
    JSON.stringify({
      resource: BENCH_RESOURCE,
      opaqueResource: PEER_OPAQUE_RESOURCE,
      users: BENCH_USERS,
      cookieKey: randomBytes(32).toString('base64url'),
      clients: [clients.machine, clients.web],
    }),
    { mode: 0o600 },
  );
  const proc = start(
    'oidc-provider',
    process.execPath,
    [...nodeFlags('oidc-provider'), path.join(ROOT, 'bench', 'oidc-provider', 'server.mjs')],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        PORT: String(port),
        BENCH_PEER_SETUP: setupFile,
      },
      logFile: path.join(workDir, 'oidc-provider.log'),
    },
  );
  const issuer = `http://127.0.0.1:${port}`;
  await waitForHttp(proc, `${issuer}/.well-known/openid-configuration`);
  return { name: 'oidc-provider', issuer, proc, pids: () => ({ 'oidc-provider': [proc.pid] }) };
}

export function removeWorkDir(workDir) {
  rmSync(workDir, { recursive: true, force: true });
}
