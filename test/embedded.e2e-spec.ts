import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { entryOf, eventually, freePort, getJson, startProcess } from './support/processes';

/**
 * `npm start` as a newcomer runs it: one process, no backend configured, data in DATA_DIR.
 * Runs the built entry file, as the start script does.
 */
describe('embedded mode (npm start)', () => {
  jest.setTimeout(120_000);

  let dataDir: string;
  let port: number;
  let base: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-embedded-'));
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const launch = () =>
    startProcess('embedded', [entryOf('embedded')], {
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    });

  it('serves discovery and JWKS with no backend, keeps its data across restarts, and stops cleanly on Ctrl-C', async () => {
    const first = launch();
    try {
      const discovery = await eventually(
        async () => {
          const r = await getJson(`${base}/.well-known/openid-configuration`);
          return r.status === 200 ? r : undefined;
        },
        { what: 'discovery', timeoutMs: 30_000 },
      );
      expect(discovery.body.issuer).toBe(`http://localhost:${port}`);

      const out = first.output();
      expect(out).toContain(`issuer:       http://localhost:${port}`);
      const admin = JSON.parse(readFileSync(path.join(dataDir, 'admin-client.json'), 'utf8')) as {
        id: string;
        secret: string;
      };
      expect(admin.id).toBe('latchkey-admin');
      expect(admin.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(out).toContain(admin.secret);

      const jwks = await getJson(`${base}/.well-known/jwks.json`);
      expect(jwks.status).toBe(200);
      const kids = (jwks.body.keys as { kid: string }[]).map((k) => k.kid).sort();
      expect(kids).toHaveLength(3);

      const ready = await getJson(`${base}/readyz`);
      expect(ready.status).toBe(200);

      // Ctrl-C: a clean exit.
      expect(await first.stop('SIGINT')).toBe(0);

      const second = launch();
      try {
        const again = await eventually(
          async () => {
            const r = await getJson(`${base}/.well-known/jwks.json`);
            return r.status === 200 ? r : undefined;
          },
          { what: 'JWKS after restart', timeoutMs: 30_000 },
        );
        // Same keys and same admin client: the data survived the restart.
        expect((again.body.keys as { kid: string }[]).map((k) => k.kid).sort()).toEqual(kids);
        expect(second.output()).toContain(admin.secret);
      } finally {
        expect(await second.stop('SIGTERM')).toBe(0);
      }
    } finally {
      await first.stop('SIGKILL');
    }
  });
});

describe('HTTP edge behaviour (embedded)', () => {
  jest.setTimeout(60_000);
  let dataDir: string;
  let base: string;
  let proc: ReturnType<typeof startProcess>;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-edge-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    proc = startProcess('embedded', [entryOf('embedded')], {
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      ISSUER: 'https://id.example.test',
    });
    await eventually(async () => (await fetch(`${base}/healthz`)).status === 200, {
      what: 'healthz',
    });
  });

  afterAll(async () => {
    await proc.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('uses the configured issuer everywhere', async () => {
    const { body } = await getJson(`${base}/.well-known/oauth-authorization-server`);
    expect(body.issuer).toBe('https://id.example.test');
    expect(body.jwks_uri).toBe('https://id.example.test/.well-known/jwks.json');
  });

  it('answers an unknown route with a JSON 404, not an HTML page', async () => {
    const res = await getJson(`${base}/no/such/route`);
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('not_found');
  });

  it('answers a malformed JSON body with 400 invalid_request and no stack trace', async () => {
    const res = await getJson(`${base}/.well-known/openid-configuration`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"broken":',
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_request',
      error_description: 'malformed request body',
    });
  });

  it('refuses an oversized body with 413 before any handler runs', async () => {
    const res = await getJson(`${base}/.well-known/openid-configuration`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `a=${'x'.repeat(200 * 1024)}`,
    });
    expect(res.status).toBe(413);
    expect(res.body.error).toBe('invalid_request');
  });

  it('does not advertise the framework', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('generates a request id when the caller sends none or a malformed one', async () => {
    const none = await fetch(`${base}/healthz`);
    expect(none.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await fetch(`${base}/healthz`, { headers: { 'x-request-id': 'a b\tc' } });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('configuration errors', () => {
  jest.setTimeout(30_000);

  it.each([
    ['gateway', { PORT: 'eighty' }, /PORT must be an integer/],
    ['token', { NATS_URL: 'nats://127.0.0.1:4222' }, /DATABASE_URL is required/],
    ['token', { ISSUER: 'not a url' }, /ISSUER must be an http\(s\) URL/],
    ['embedded', { LOG_LEVEL: 'chatty' }, /LOG_LEVEL must be one of/],
  ])('%s exits at once naming the bad variable (%j)', async (app, env, message) => {
    const proc = startProcess(app, [entryOf(app)], env as Record<string, string>);
    const code = await proc.exited;
    expect(code).toBe(1);
    expect(proc.output()).toMatch(message);
    expect(proc.output()).not.toMatch(/\n\s+at /); // no stack trace
  });
});
