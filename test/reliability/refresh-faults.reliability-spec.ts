import { expect } from '@jest/globals';
import { runCodeFlow } from '../support/code-flow';
import { freePort } from '../support/processes';
import { loopbackRedirectUri, PlatformAdmin, type TestClient } from '../support/provisioning';
import { HeadlessUserAgent } from '../support/user-agent';
import { startCluster, type Cluster } from './support/cluster';
import { BUS_TIMEOUT_MS, REUSE_WINDOW_SECONDS, UPSTREAM_TIMEOUT_MS } from './support/settings';
import { recoveryMs, startRefreshLoad, type RefreshLoad } from './support/refresh-load';
import { reportFaults, type FaultWindow } from './support/report';

/**
 * The done-when test of refresh under faults (docs/reliability.md): a steady refresh load while
 * NATS, then a token service, then Postgres are frozen (SIGSTOP) for longer than the bus timeout
 * and thawed (SIGCONT). Afterwards no family was revoked (no client ever reused a token), every
 * request was answered 200 or 503 `temporarily_unavailable` within a bound (never a 500 or a
 * hang), and every family refreshes again. Once with one replica of each service, once with two
 * gateways and two token services behind a round-robin proxy, where the frozen token service is
 * one of two and consecutive requests land on different replicas.
 */
jest.setTimeout(180_000);

/** Each freeze: longer than the bus timeout, so answers are lost while work is queued. */
const FREEZE_MS = 5_000;
const FAMILIES = 8;

describe.each([1, 2] as const)(
  'refresh families through frozen backends: %i replica(s)',
  (replicas) => {
    let cluster: Cluster;
    let client: TestClient;
    let load: RefreshLoad | undefined;
    let initialTokens: string[];

    beforeAll(async () => {
      cluster = await startCluster({
        replicas,
        env: {
          BUS_TIMEOUT_MS: String(BUS_TIMEOUT_MS),
          REFRESH_TOKEN_REUSE_WINDOW_SECONDS: String(REUSE_WINDOW_SECONDS),
        },
        upstreamTimeoutMs: UPSTREAM_TIMEOUT_MS,
      });
      const admin = await PlatformAdmin.connect(cluster);
      const user = await admin.createUser('fay');
      client = await admin.createClient('client_secret_basic', {
        redirectUri: loopbackRedirectUri(await freePort()),
        skipConsent: true,
      });
      const agent = new HeadlessUserAgent({ username: user.username, password: user.password });
      initialTokens = [];
      for (let i = 0; i < FAMILIES; i++) {
        initialTokens.push((await runCodeFlow(cluster.issuer, agent, client)).refresh_token!);
      }
    }, 300_000);

    afterAll(async () => {
      await load?.stop();
      await cluster?.stop();
    }, 180_000);

    it('revokes no family, answers every request 200 or 503 in time, and recovers alone', async () => {
      load = startRefreshLoad(cluster.issuer, client, initialTokens);
      const faults: FaultWindow[] = [];
      const settle = () => new Promise((resolve) => setTimeout(resolve, 2_000));
      await settle();
      const targets = [
        {
          name: 'nats',
          freeze: () => cluster.backends.nats.freeze(),
          thaw: () => cluster.backends.nats.thaw(),
        },
        {
          name: 'token-1',
          freeze: () => cluster.replica('token-1').freeze(),
          thaw: () => cluster.replica('token-1').thaw(),
        },
        {
          name: 'postgres',
          freeze: () => cluster.backends.postgres.freeze(),
          thaw: () => cluster.backends.postgres.thaw(),
        },
      ];
      for (const target of targets) {
        const frozenAt = Date.now();
        target.freeze();
        await new Promise((resolve) => setTimeout(resolve, FREEZE_MS));
        target.thaw();
        const thawedAt = Date.now();
        // Until the load succeeds again, then a little more steady load.
        const deadline = thawedAt + 60_000;
        while (recoveryMs(load.samples, thawedAt) === undefined && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        faults.push({
          target: target.name,
          frozenAt,
          thawedAt,
          recoveryMs: recoveryMs(load.samples, thawedAt),
        });
        await settle();
      }
      await load.stop();
      const samples = load.samples;
      reportFaults(`refresh load, ${replicas} replica(s)`, samples, faults);

      const revoked = await cluster.query<{ id: string; revoked_reason: string }>(
        'SELECT id, revoked_reason FROM token.grants WHERE revoked_at IS NOT NULL',
      );
      console.log(
        `revoked grants: ${JSON.stringify(revoked)}; broken families: ${load.broken.size}`,
      );
      expect(revoked).toEqual([]);
      expect(load.broken).toEqual(new Map());

      const unexpected = samples.filter(
        (s) => !(s.status === 200 || (s.status === 503 && s.error === 'temporarily_unavailable')),
      );
      expect(unexpected).toEqual([]);
      const slowest = Math.max(...samples.map((s) => s.endedAt - s.startedAt));
      expect(slowest).toBeLessThan(UPSTREAM_TIMEOUT_MS + 2_000);
      for (const fault of faults) expect(fault.recoveryMs).toBeDefined();
      // Every replica took a share of the load.
      for (const replica of cluster.replicas.filter((r) =>
        ['gateway', 'token'].includes(r.service),
      )) {
        expect(cluster.proxy.served.get(replica.name) ?? 0).toBeGreaterThan(0);
      }

      // Each family goes on: its current token refreshes again (503s retried, as the load does).
      for (const [family, token] of load.tokens.entries()) {
        const after = startRefreshLoad(cluster.issuer, client, [token]);
        const deadline = Date.now() + 30_000;
        while (!after.samples.some((s) => s.status === 200) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await after.stop();
        expect({ family, broken: after.broken.size }).toEqual({ family, broken: 0 });
        expect(after.samples.some((s) => s.status === 200)).toBe(true);
      }
    });
  },
);
