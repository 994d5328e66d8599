import { expect } from '@jest/globals';
import type { JWK } from 'jose';
import {
  createTestDatabase,
  describeWithBackends,
  existingSchemas,
  TEST_BACKENDS,
} from '@latchkey/testing';
import {
  entryOf,
  eventually,
  freePort,
  getJson,
  startProcess,
  type RunningProcess,
} from './support/processes';
import { auditSignatureEnv } from './support/platform';

/**
 * The platform as deployed: four processes talking over the machine's NATS, with Postgres and
 * Redis, driven over HTTP through the gateway.
 */
describeWithBackends(['postgres', 'redis', 'nats'], 'distributed mode (four processes)', () => {
  jest.setTimeout(120_000);

  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let env: Record<string, string>;
  let base: string;
  const running = new Map<string, RunningProcess>();

  const healthPorts = new Map<string, number>();

  // Each emitting service signs its audit events; the audit service knows their keys.
  const auditSignature = auditSignatureEnv();

  const start = async (service: string) => {
    const extra: Record<string, string> = {};
    if (service !== 'gateway') {
      // Separate health ports so the four fit on one host.
      healthPorts.set(service, await freePort());
      extra.HEALTH_PORT = String(healthPorts.get(service));
    }
    const proc = startProcess(service, [entryOf(service)], {
      ...env,
      ...extra,
      ...auditSignature(service),
    });
    running.set(service, proc);
    const ready = `http://127.0.0.1:${healthPorts.get(service) ?? env.PORT}/readyz`;
    await eventually(async () => (await fetch(ready)).status === 200, {
      what: `${service} readiness`,
      timeoutMs: 60_000,
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n--- ${service} output ---\n${proc.output()}`);
    });
    return proc;
  };

  beforeAll(async () => {
    db = await createTestDatabase('latchkey_e2e_dist');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = {
      NATS_URL: TEST_BACKENDS.nats,
      REDIS_URL: TEST_BACKENDS.redis,
      DATABASE_URL: db.url,
      ISSUER: base,
      PORT: String(port),
      KEY_ENCRYPTION_KEY: 'e2e-key-encryption-key-0123456789abcdef',
      COOKIE_SECRET: 'e2e-cookie-secret-0123456789abcdefghij',
      LOG_LEVEL: 'warn',
      BUS_TIMEOUT_MS: '2000',
    };
    await Promise.all(['token', 'client-registry', 'audit', 'gateway'].map((s) => start(s)));
  });

  afterAll(async () => {
    await Promise.all([...running.values()].map((p) => p.stop('SIGKILL')));
    await db?.drop();
  });

  it('serves the discovery document', async () => {
    const { status, headers, body } = await getJson(`${base}/.well-known/openid-configuration`);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/application\/json/);
    expect(body.issuer).toBe(base);
    expect(body.jwks_uri).toBe(`${base}/.well-known/jwks.json`);
    expect(body.id_token_signing_alg_values_supported).toContain('RS256');
  });

  it('answers 503 with a JSON error while the token service is down, and recovers without a gateway restart', async () => {
    const token = running.get('token')!;
    // Graceful stop: SIGTERM drains and exits 0.
    expect(await token.stop('SIGTERM')).toBe(0);

    const down = await getJson(`${base}/.well-known/jwks.json`);
    expect(down.status).toBe(503);
    expect(down.body).toEqual({
      error: 'temporarily_unavailable',
      error_description: expect.any(String),
    });
    expect(down.headers.get('cache-control')).toBe('no-store');
    // Discovery does not need the token service.
    expect((await getJson(`${base}/.well-known/openid-configuration`)).status).toBe(200);

    await start('token');
    const up = await eventually(
      async () => {
        const r = await getJson(`${base}/.well-known/jwks.json`);
        return r.status === 200 ? r : undefined;
      },
      { what: 'JWKS after the token service restarted', timeoutMs: 60_000 },
    );
    const keys = (up.body.keys as JWK[]) ?? [];
    expect(keys.map((k) => k.alg).sort()).toEqual(['ES256', 'EdDSA', 'RS256']);
    for (const key of keys) {
      expect(key.kid).toEqual(expect.any(String));
      expect(key).not.toHaveProperty('d');
    }
    expect(running.get('gateway')!.child.exitCode).toBeNull();
  });

  it('publishes keys whose private halves stay sealed in the token schema', async () => {
    const { Client } = await import('pg');
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const rows = await client.query<{
        kid: string;
        public_jwk: Record<string, unknown>;
        private_jwk_sealed: string;
      }>('SELECT kid, public_jwk, private_jwk_sealed FROM token.signing_keys');
      expect(rows.rowCount).toBe(3);
      for (const row of rows.rows) {
        expect(row.public_jwk.d).toBeUndefined();
        expect(row.private_jwk_sealed).toMatch(/^v1\./);
        expect(row.private_jwk_sealed).not.toContain('"d"');
      }
      const jwks = (await getJson(`${base}/.well-known/jwks.json`)).body as { keys: JWK[] };
      expect(jwks.keys.map((k) => k.kid).sort()).toEqual(rows.rows.map((r) => r.kid).sort());
    } finally {
      await client.end();
    }
  });

  it('keeps each service in its own schema', async () => {
    expect(await existingSchemas(db.url, ['gateway', 'token', 'client_registry', 'audit'])).toEqual(
      ['audit', 'client_registry', 'gateway', 'token'],
    );
  });

  it('serves health, readiness and metrics on each internal service port', async () => {
    for (const service of ['token', 'client-registry', 'audit']) {
      const port = healthPorts.get(service);
      const live = await getJson(`http://127.0.0.1:${port}/healthz`);
      expect(live.status).toBe(200);
      const ready = await eventually(
        async () => {
          const r = await getJson(`http://127.0.0.1:${port}/readyz`);
          return r.status === 200 ? r : undefined;
        },
        { what: `${service} readiness` },
      );
      expect(ready.body).toMatchObject({
        status: 'ok',
        details: { database: { status: 'up' }, bus: { status: 'up' } },
      });
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toContain('latchkey_process_cpu_seconds_total');
    }
  });

  it('carries the request id back to the caller and serves metrics', async () => {
    const res = await fetch(`${base}/.well-known/openid-configuration`, {
      headers: { 'x-request-id': 'e2e-trace-123' },
    });
    expect(res.headers.get('x-request-id')).toBe('e2e-trace-123');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('latchkey_http_request_duration_seconds');
    expect(metrics).toContain('latchkey_process_cpu_seconds_total');
  });
});
