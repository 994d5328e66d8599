import { expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { authorizationCode, runCodeFlow } from '../support/code-flow';
import { callPlatform, type CallAnswer } from '../support/http-call';
import { freePort } from '../support/processes';
import {
  loopbackRedirectUri,
  PlatformAdmin,
  type TestClient,
  type TestUser,
} from '../support/provisioning';
import { HeadlessUserAgent } from '../support/user-agent';
import { startCluster, type Cluster, type Replica } from './support/cluster';
import { BUS_TIMEOUT_MS, REUSE_WINDOW_SECONDS, UPSTREAM_TIMEOUT_MS } from './support/settings';
import { startMixedLoad, type MixedLoad } from './support/mixed-load';
import type { ProxiedAnswer } from './support/round-robin-proxy';
import { recoveryMs } from './support/refresh-load';

/**
 * The platform under steady mixed traffic (sign-ins through the pages with code exchange,
 * refresh, introspection, revocation, the admin API) in a two-replica setup (two of each of the
 * four services; the gateways and token services behind a round-robin proxy, the others
 * reached over NATS), on private Redis, NATS and Postgres
 * (docs/reliability.md):
 * 1. each backend paused (SIGSTOP, longer than the bus timeout) and resumed, each backend killed
 *    (SIGKILL) and restarted, then one replica of each service;
 * 2. SIGTERM to one gateway and one token service under the load: they drain;
 * 3. concurrency across the replicas: one code, one refresh token, revocation against refresh,
 *    client and user updates, key rotation;
 * 4. a soak: mixed traffic without faults, no error, memory flat.
 * Every answer is 2xx, the spec's 4xx, or 503, within a bound: never a 500, never a hang.
 */
jest.setTimeout(600_000);

/** How long each killed backend or service stays down. */
const DOWN_MS = 2_000;
/** How long each paused backend stays frozen: longer than the bus timeout. */
const PAUSED_MS = 2 * BUS_TIMEOUT_MS + 1_000;
const SOAK_MS = 180_000;
/** Bound of the RSS growth of one service over the soak (after a warm-up): not a speed check. */
const RSS_MARGIN_MB = 60;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Answers no fault may produce: a 5xx other than 503 (a 500, a bad gateway). */
function forbidden(answers: ProxiedAnswer[]): ProxiedAnswer[] {
  return answers.filter((a) => a.status >= 500 && a.status !== 503);
}

function slowest(answers: ProxiedAnswer[]): number {
  return Math.max(0, ...answers.map((a) => a.endedAt - a.startedAt));
}

function countByStatus(answers: ProxiedAnswer[]): string {
  const counts = new Map<string, number>();
  for (const a of answers) {
    const key = a.status === 503 && a.fromProxy ? '503(proxy)' : String(a.status);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .sort()
    .map(([k, v]) => `${k}:${v}`)
    .join(' ');
}

function rssMb(replica: Replica): number {
  const status = readFileSync(`/proc/${replica.process().child.pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1]);
  return Math.round(kb / 1024);
}

describe('the platform under mixed load: kills, restarts, SIGTERM, concurrency, soak', () => {
  let cluster: Cluster;
  let client: TestClient;
  let user: TestUser;
  let adminToken: string;
  let load: MixedLoad | undefined;

  const admin = (method: string, route: string, json?: unknown) =>
    callPlatform(cluster.issuer, method, route, { token: adminToken, json });

  const freshLoad = async (families: number) => {
    const agent = new HeadlessUserAgent({ username: user.username, password: user.password });
    const refreshTokens: string[] = [];
    let accessToken = '';
    for (let i = 0; i < families; i++) {
      const flow = await runCodeFlow(cluster.issuer, agent, client);
      refreshTokens.push(flow.refresh_token!);
      accessToken = flow.access_token;
    }
    return startMixedLoad({
      issuer: cluster.issuer,
      client,
      user,
      refreshTokens,
      accessToken,
      adminToken,
    });
  };

  beforeAll(async () => {
    cluster = await startCluster({
      replicas: 2,
      everyServiceReplicated: true,
      env: {
        BUS_TIMEOUT_MS: String(BUS_TIMEOUT_MS),
        REFRESH_TOKEN_REUSE_WINDOW_SECONDS: String(REUSE_WINDOW_SECONDS),
      },
      upstreamTimeoutMs: UPSTREAM_TIMEOUT_MS,
    });
    const platformAdmin = await PlatformAdmin.connect(cluster);
    user = await platformAdmin.createUser('gus');
    client = await platformAdmin.createClient('client_secret_basic', {
      redirectUri: loopbackRedirectUri(await freePort()),
      skipConsent: true,
    });
    const token = await callPlatform(cluster.issuer, 'POST', '/token', {
      basic: { id: cluster.adminClient.id, secret: cluster.adminClient.secret },
      form: { grant_type: 'client_credentials' },
    });
    adminToken = token.body.access_token as string;
  }, 300_000);

  afterAll(async () => {
    await load?.stop();
    await cluster?.stop();
  }, 180_000);

  it('answers every request 2xx, 4xx or 503 in time through pauses, kills and restarts, and recovers alone', async () => {
    load = await freshLoad(6);
    await sleep(2_000);
    const faults: Array<{
      target: string;
      downAt: number;
      upAt: number;
      refreshRecoveryMs?: number;
      signInRecoveryMs?: number;
    }> = [];
    const paused = (name: 'redis' | 'nats' | 'postgres') => ({
      target: `${name} (paused)`,
      downMs: PAUSED_MS,
      kill: async () => cluster.backends[name].freeze(),
      restart: async () => cluster.backends[name].thaw(),
    });
    const backend = (name: 'redis' | 'nats' | 'postgres') => ({
      target: name,
      downMs: DOWN_MS,
      kill: () => cluster.backends[name].kill(),
      restart: () => cluster.backends[name].restart(),
    });
    const service = (name: string) => ({
      target: name,
      downMs: DOWN_MS,
      kill: () => cluster.replica(name).kill(),
      restart: () => cluster.replica(name).start(),
    });
    const targets = [
      paused('redis'),
      paused('nats'),
      paused('postgres'),
      backend('redis'),
      backend('nats'),
      backend('postgres'),
      service('gateway-1'),
      service('token-1'),
      service('client-registry-1'),
      service('audit-1'),
    ];
    for (const target of targets) {
      const downAt = Date.now();
      await target.kill();
      await sleep(target.downMs);
      await target.restart();
      const upAt = Date.now();
      const deadline = upAt + 60_000;
      const signInRecovery = () =>
        load!.signIns.find((s) => s.startedAt >= upAt)?.endedAt ?? undefined;
      while (
        (recoveryMs(load.refresh.samples, upAt) === undefined || signInRecovery() === undefined) &&
        Date.now() < deadline
      ) {
        await sleep(100);
      }
      const signedIn = signInRecovery();
      faults.push({
        target: target.target,
        downAt,
        upAt,
        refreshRecoveryMs: recoveryMs(load.refresh.samples, upAt),
        signInRecoveryMs: signedIn === undefined ? undefined : signedIn - upAt,
      });
      await sleep(1_500);
    }
    await load.stop();
    const answers = cluster.proxy.answers;
    const lines = [
      `pause and kill/restart matrix: ${answers.length} answers: ${countByStatus(answers)}`,
    ];
    for (const f of faults) {
      const during = answers.filter((a) => a.endedAt >= f.downAt && a.startedAt <= f.upAt);
      lines.push(
        `  ${f.target}: down ${f.upAt - f.downAt} ms (fault to ready); during: ${countByStatus(during)}; ` +
          `recovered: refresh ${f.refreshRecoveryMs ?? 'never'} ms, sign-in ${f.signInRecoveryMs ?? 'never'} ms`,
      );
    }
    for (const s of load.refresh.samples.filter((x) => x.status === 400)) {
      const fault = faults.find(
        (f) => s.endedAt >= f.downAt - 1_000 && s.startedAt <= f.upAt + 5_000,
      );
      lines.push(
        `  family ${s.family} refused (${s.error}) by ${s.upstream}, near ${fault?.target ?? 'no fault'}`,
      );
    }
    lines.push(
      `  slowest answer ${slowest(answers)} ms; sign-ins ${load.signIns.length}, failed ${load.signInFailures.length}; ` +
        `refreshes ${load.refresh.samples.length}; codes accepted twice ${load.codesAcceptedTwice}; ` +
        `revoked tokens still active ${load.revokedStillActive}`,
    );
    console.log(lines.join('\n'));

    expect(forbidden(answers)).toEqual([]);
    expect(slowest(answers)).toBeLessThan(UPSTREAM_TIMEOUT_MS + 2_000);
    // No client gave up waiting (a hang would end in status 0 after its 15 s).
    expect(load.refresh.samples.filter((s) => s.status === 0)).toEqual([]);
    expect(load.codesAcceptedTwice).toBe(0);
    expect(load.revokedStillActive).toBe(0);
    expect(load.refresh.broken).toEqual(new Map());
    const reused = await cluster.query(
      "SELECT id FROM token.grants WHERE revoked_reason = 'refresh_token_reuse'",
    );
    expect(reused).toEqual([]);
    for (const f of faults) {
      expect({ target: f.target, recovered: f.refreshRecoveryMs !== undefined }).toEqual({
        target: f.target,
        recovered: true,
      });
      expect({ target: f.target, signedIn: f.signInRecoveryMs !== undefined }).toEqual({
        target: f.target,
        signedIn: true,
      });
    }
  });

  it('drains a gateway and a token service on SIGTERM under load: nothing fails', async () => {
    load = await freshLoad(4);
    await sleep(2_000);
    const from = cluster.proxy.answers.length;
    const windows: Array<{ name: string; at: number; exitedAt: number; readyAt: number }> = [];
    for (const name of ['gateway-1', 'token-1']) {
      const replica = cluster.replica(name);
      const at = Date.now();
      // As Kubernetes does with a terminating pod: out of the endpoints as SIGTERM is sent, so
      // no new connection races the closing listener; what is in flight must be answered.
      cluster.proxy.withdraw(name);
      await replica.terminate();
      const exitedAt = Date.now();
      await sleep(DOWN_MS);
      await replica.start();
      cluster.proxy.restore(name);
      windows.push({ name, at, exitedAt, readyAt: Date.now() });
      await sleep(2_000);
    }
    await load.stop();
    const answers = cluster.proxy.answers.slice(from);
    const refused = answers.filter((a) => a.refused > 0).length;
    console.log(
      `SIGTERM drain: ${answers.length} answers: ${countByStatus(answers)}; ` +
        `sent to the other replica after a refused connection: ${refused}; ` +
        windows.map((w) => `${w.name} exited ${w.exitedAt - w.at} ms after SIGTERM`).join(', '),
    );
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    expect(load.refresh.samples.filter((s) => s.status !== 200)).toEqual([]);
    expect(load.signInFailures).toEqual([]);
    expect(load.codesAcceptedTwice).toBe(0);
  });

  it('gives exactly the outcomes the RFCs allow to parallel requests across replicas', async () => {
    const basic = { id: client.client_id, secret: client.client_secret! };
    const agent = new HeadlessUserAgent({ username: user.username, password: user.password });
    const token = (form: Record<string, string>) =>
      callPlatform(cluster.issuer, 'POST', '/token', { basic, form });

    // One code redeemed eight times at once: exactly one 200, the others invalid_grant.
    const { code, code_verifier: verifier } = await authorizationCode(
      cluster.issuer,
      agent,
      client,
    );
    const redemptions = await Promise.all(
      Array.from({ length: 8 }, () =>
        token({
          grant_type: 'authorization_code',
          code,
          redirect_uri: client.redirect_uri,
          code_verifier: verifier,
        }),
      ),
    );
    const statuses = (list: CallAnswer[]) => list.map((a) => `${a.status} ${a.body.error ?? ''}`);
    expect(statuses(redemptions).filter((s) => s.startsWith('200'))).toHaveLength(1);
    expect(statuses(redemptions).filter((s) => s === '400 invalid_grant')).toHaveLength(7);

    // One refresh token refreshed eight times at once: all within the reuse window, one successor.
    const flow = await runCodeFlow(cluster.issuer, agent, client);
    const refreshes = await Promise.all(
      Array.from({ length: 8 }, () =>
        token({ grant_type: 'refresh_token', refresh_token: flow.refresh_token! }),
      ),
    );
    expect(refreshes.map((a) => a.status)).toEqual(Array(8).fill(200));
    const successors = new Set(refreshes.map((a) => a.body.refresh_token));
    expect(successors.size).toBe(1);
    const [successor] = [...successors] as string[];
    expect(successor).not.toBe(flow.refresh_token);

    // Revocation against refresh: both answered, and afterwards the grant is gone either way.
    const [revoked, refreshed] = await Promise.all([
      callPlatform(cluster.issuer, 'POST', '/revoke', { basic, form: { token: successor! } }),
      token({ grant_type: 'refresh_token', refresh_token: successor! }),
    ]);
    expect(revoked.status).toBe(200);
    expect([200, 400]).toContain(refreshed.status);
    if (refreshed.status === 400) expect(refreshed.body.error).toBe('invalid_grant');
    for (const candidate of [successor!, refreshed.body.refresh_token as string | undefined]) {
      if (candidate === undefined) continue;
      const seen = await callPlatform(cluster.issuer, 'POST', '/introspect', {
        basic,
        form: { token: candidate },
      });
      expect(seen.body.active).toBe(false);
    }

    // Parallel admin updates of one client and of one user: each 200, the last writer wins.
    const names = Array.from({ length: 6 }, (_, i) => `Parallel ${i}`);
    const clientUpdates = await Promise.all(
      names.map((name) =>
        admin('PATCH', `/admin/clients/${client.client_id}`, { client_name: name }),
      ),
    );
    expect(clientUpdates.map((a) => a.status)).toEqual(Array(6).fill(200));
    expect(names).toContain(
      (await admin('GET', `/admin/clients/${client.client_id}`)).body.client_name,
    );
    const userUpdates = await Promise.all(
      names.map((name) => admin('PATCH', `/admin/users/${user.id}`, { name })),
    );
    expect(userUpdates.map((a) => a.status)).toEqual(Array(6).fill(200));
    expect(names).toContain((await admin('GET', `/admin/users/${user.id}`)).body.name);

    // Key rotation asked of both token replicas at once (through both gateways): one rotation
    // per algorithm, every answer naming the same next key; one active key per algorithm; and
    // both replicas publish every active key.
    const rotations = await Promise.all(
      Array.from({ length: 6 }, () => admin('POST', '/admin/keys/rotate')),
    );
    expect(rotations.map((a) => a.status)).toEqual(Array(6).fill(200));
    const nextKids = new Set(rotations.map((a) => JSON.stringify(a.body.rotated)));
    expect(nextKids.size).toBe(1);
    const perAlg = await cluster.query<{ alg: string; status: string; n: number }>(
      "SELECT alg, status, count(*)::int AS n FROM token.signing_keys WHERE status IN ('active', 'next') GROUP BY alg, status",
    );
    expect(perAlg.filter((row) => row.n !== 1)).toEqual([]);
    const active = await cluster.query<{ kid: string }>(
      "SELECT kid FROM token.signing_keys WHERE status = 'active'",
    );
    const tokenReplicas = cluster.replicas.filter((r) => r.service === 'token');
    const keySets = await Promise.all(
      tokenReplicas.map((r) =>
        callPlatform(`http://127.0.0.1:${r.port}`, 'GET', '/.well-known/jwks.json'),
      ),
    );
    const kids = keySets.map((set) =>
      ((set.body.keys as Array<{ kid: string }>) ?? []).map((k) => k.kid).sort(),
    );
    for (const published of kids) {
      for (const { kid } of active) expect(published).toContain(kid);
    }
    // A token issued now verifies against the published set.
    const fresh = await runCodeFlow(cluster.issuer, agent, client);
    const header = JSON.parse(
      Buffer.from(fresh.access_token.split('.')[0]!, 'base64url').toString(),
    ) as { kid: string };
    expect(kids[0]).toContain(header.kid);
    console.log(
      `concurrency: code redemptions ${statuses(redemptions).join(', ')}; ` +
        `revoke ${revoked.status} vs refresh ${refreshed.status}; ` +
        `rotations ${rotations.length} (one per algorithm done), active keys ${active.length}, published ${kids.map((k) => k.length).join('/')}`,
    );
  });

  it('serves a soak of mixed traffic without an error, memory flat', async () => {
    load = await freshLoad(4);
    const services = cluster.replicas;
    // Warm-up: caches, JIT, pools filled.
    await sleep(20_000);
    const from = cluster.proxy.answers.length;
    const before = new Map(services.map((r) => [r.name, rssMb(r)]));
    await sleep(SOAK_MS);
    const after = new Map(services.map((r) => [r.name, rssMb(r)]));
    await load.stop();
    const answers = cluster.proxy.answers.slice(from);
    console.log(
      `soak: ${SOAK_MS / 1000} s, ${answers.length} answers: ${countByStatus(answers)}; ` +
        `sign-ins ${load.signIns.length}; RSS MB before -> after: ` +
        services.map((r) => `${r.name} ${before.get(r.name)} -> ${after.get(r.name)}`).join(', '),
    );
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    expect(load.refresh.samples.filter((s) => s.status !== 200)).toEqual([]);
    expect(load.signInFailures).toEqual([]);
    for (const r of services) {
      expect({ service: r.name, growthMb: after.get(r.name)! - before.get(r.name)! }).toEqual({
        service: r.name,
        growthMb: expect.any(Number),
      });
      expect(after.get(r.name)! - before.get(r.name)!).toBeLessThan(RSS_MARGIN_MB);
    }
  });

  // Two audit replicas stored everything above (kills, SIGTERM and all) into one chain (an
  // event id is stored at most once by the table's own constraint).
  it('leaves one valid audit chain after all of the above, stored by two audit replicas', async () => {
    const verify = await admin('GET', '/admin/audit/verify');
    expect(verify.body).toMatchObject({ valid: true });
    const [stored] = await cluster.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM audit.events',
    );
    console.log(`audit: ${stored!.n} events in one valid chain`);
    expect(stored!.n).toBeGreaterThan(0);
  });
});
