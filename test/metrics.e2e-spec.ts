import { expect } from '@jest/globals';
import { runCodeFlow } from './support/code-flow';
import { callPlatform, type CallOptions } from './support/http-call';
import { describeEachMode, type Platform } from './support/platform';
import { freePort } from './support/processes';
import { loopbackRedirectUri, PlatformAdmin } from './support/provisioning';
import { HeadlessUserAgent } from './support/user-agent';

/**
 * The metric catalogue (docs/operations.md): after a day's flow (login, code, token, refresh, a
 * refused grant, introspection) every metric dashboards and alert rules query has a sample on
 * some service's `/metrics`, with the labels they select on, and the internal services each show
 * their own backends (distributed mode scrapes every service).
 */
jest.setTimeout(120_000);

/** One sample line of the Prometheus text format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** The service whose /metrics showed it (its origin). */
  origin: string;
}

function parseSamples(text: string, origin: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key] = value;
    }
    samples.push({ name: match[1], labels, value: Number(match[3]), origin });
  }
  return samples;
}

/** Every metric of the catalogue, as its sample lines are named (histograms by their count). */
const EVERYWHERE = [
  'latchkey_http_request_duration_seconds_count',
  'latchkey_oauth_errors_total',
  'latchkey_tokens_issued_total',
  'latchkey_token_requests_refused_total',
  'latchkey_logins_total',
  'latchkey_bus_request_duration_seconds_count',
  'latchkey_bus_messages_total',
  'latchkey_outbox_backlog',
  'latchkey_outbox_oldest_age_seconds',
  'latchkey_db_pool_connections',
  'latchkey_db_errors_total',
  'latchkey_signing_key_age_seconds',
  'latchkey_signing_key_expires_in_seconds',
  'latchkey_process_resident_memory_bytes',
];
/** Only where the backends they watch exist: JetStream and Redis. */
const DISTRIBUTED_ONLY = [
  'latchkey_audit_consumer_pending',
  'latchkey_audit_redeliveries_total',
  'latchkey_redis_connected',
  'latchkey_redis_errors_total',
];

describeEachMode('metrics after a flow', (platform, mode) => {
  let samples: Sample[] = [];
  const call = (method: string, route: string, options: CallOptions = {}) =>
    callPlatform(platform().issuer, method, route, options);
  const find = (name: string, labels: Record<string, string> = {}) =>
    samples.filter(
      (sample) =>
        sample.name === name &&
        Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    );

  beforeAll(async () => {
    const admin = await PlatformAdmin.connect(platform());
    const user = await admin.createUser('mira');
    const app = await admin.createClient('client_secret_basic', {
      redirectUri: loopbackRedirectUri(await freePort()),
    });
    const credentials = { id: app.client_id, secret: app.client_secret! };
    const agent = new HeadlessUserAgent({ username: user.username, password: user.password });
    const tokens = await runCodeFlow(platform().issuer, agent, app);
    const refreshed = await call('POST', '/token', {
      basic: credentials,
      form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
    });
    expect(refreshed.status).toBe(200);
    const refused = await call('POST', '/token', {
      basic: credentials,
      form: { grant_type: 'refresh_token', refresh_token: 'not-a-refresh-token' },
    });
    expect(refused.body.error).toBe('invalid_grant');
    const introspected = await call('POST', '/introspect', {
      basic: credentials,
      form: { token: refreshed.body.access_token as string },
    });
    expect(introspected.body).toMatchObject({ active: true });
    samples = await scrapeAll(platform());
  }, 90_000);

  it('has a sample of every metric of the catalogue', () => {
    const expected = mode === 'distributed' ? [...EVERYWHERE, ...DISTRIBUTED_ONLY] : EVERYWHERE;
    const missing = expected.filter((name) => find(name).length === 0);
    expect(missing).toEqual([]);
  });

  it('labels the flow by service, route template, grant type, RFC error code and login outcome', () => {
    expect(
      find('latchkey_http_request_duration_seconds_count', {
        service: 'gateway',
        route: '/login',
        method: 'POST',
      }).length,
    ).toBeGreaterThan(0);
    expect(find('latchkey_tokens_issued_total', { grant_type: 'authorization_code' })).toEqual([
      expect.objectContaining({ value: 1 }),
    ]);
    expect(find('latchkey_tokens_issued_total', { grant_type: 'refresh_token' })).toEqual([
      expect.objectContaining({ value: 1 }),
    ]);
    expect(
      find('latchkey_token_requests_refused_total', {
        grant_type: 'refresh_token',
        error: 'invalid_grant',
      }),
    ).toEqual([expect.objectContaining({ value: 1 })]);
    expect(
      find('latchkey_oauth_errors_total', { endpoint: '/token', error: 'invalid_grant' }).length,
    ).toBeGreaterThan(0);
    expect(find('latchkey_logins_total', { method: 'password', outcome: 'succeeded' })).toEqual([
      expect.objectContaining({ value: 1 }),
    ]);
    expect(
      find('latchkey_bus_request_duration_seconds_count', {
        subject: 'token.code.issue',
        outcome: 'ok',
      }).length,
    ).toBeGreaterThan(0);
  });

  it('keeps label values bounded: route templates, never raw paths with ids', () => {
    const routes = new Set(
      find('latchkey_http_request_duration_seconds_count').map((s) => s.labels.route),
    );
    for (const route of routes) {
      expect(route === 'unmatched' || route.startsWith('/')).toBe(true);
      expect(route).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-|\?/);
    }
    expect(routes).toContain('/admin/users');
  });

  if (mode === 'distributed') {
    it("shows each internal service's own backends on its own /metrics", () => {
      for (const service of ['token', 'client-registry', 'audit']) {
        const own = find('latchkey_db_pool_connections', { service, state: 'total' });
        expect(own.map((sample) => sample.origin)).toHaveLength(1);
        expect(own[0].value).toBeGreaterThan(0);
      }
      for (const service of ['token', 'client-registry']) {
        expect(find('latchkey_bus_messages_total', { service }).length).toBeGreaterThan(0);
      }
      // The audit service takes events from JetStream, and shows its consumer.
      const auditOrigin = find('latchkey_db_pool_connections', { service: 'audit' })[0].origin;
      expect(find('latchkey_audit_consumer_pending').map((s) => s.origin)).toEqual([auditOrigin]);
      for (const service of ['gateway', 'token', 'client-registry']) {
        expect(find('latchkey_outbox_backlog', { service })).toHaveLength(1);
      }
      expect(find('latchkey_redis_connected', { service: 'token' })).toEqual([
        expect.objectContaining({ value: 1 }),
      ]);
      expect(find('latchkey_redis_connected', { service: 'gateway' })).toEqual([
        expect.objectContaining({ value: 1 }),
      ]);
      const [keyAge] = find('latchkey_signing_key_age_seconds');
      expect(keyAge.origin).toBe(platform().tokenOrigin);
    });
  }
});

async function scrapeAll(platform: Platform): Promise<Sample[]> {
  const all: Sample[] = [];
  for (const origin of platform.metricsOrigins) {
    const res = await fetch(`${origin}/metrics`, { signal: AbortSignal.timeout(15_000) });
    expect(res.status).toBe(200);
    all.push(...parseSamples(await res.text(), origin));
  }
  return all;
}
