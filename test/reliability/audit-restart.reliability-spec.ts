import { expect } from '@jest/globals';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { AUDIT_CONSUMER } from '@latchkey/contracts';
import { randomBytes } from 'node:crypto';
import { runCodeFlow } from '../support/code-flow';
import { callPlatform, type CallAnswer } from '../support/http-call';
import { freePort } from '../support/processes';
import { loopbackRedirectUri, PlatformAdmin, type TestClient } from '../support/provisioning';
import { HeadlessUserAgent } from '../support/user-agent';
import { startCluster, type Cluster } from './support/cluster';
import { ExpectedEvents, type StoredEvent } from './support/expected-events';

/**
 * The done-when test of a complete audit log across outages (docs/reliability.md, issue 12):
 * with the audit service stopped, a few hundred logins (code flow with PKCE), code exchanges,
 * refreshes, revocations and admin changes of users and clients, with NATS killed and started
 * again (same store) in the middle. Then the audit service starts, the outboxes and the stream
 * drain, and every fact the test caused is stored exactly once, in a chain that verifies, naming
 * its actor with the caller's address and user agent. A request answered 503 (NATS down) may or
 * may not have taken effect: its event is allowed, once, and counted apart.
 */
jest.setTimeout(900_000);

/** Logins per phase (before and after the NATS restart); each is refreshed twice. */
const LOGINS = 24;
/** Users created per phase; a third is updated, a sixth disabled. */
const USERS = 18;
/** Clients created per phase; half are updated, a quarter deleted. */
const CLIENTS = 8;
/** How long the actions run before NATS is killed. */
const NATS_UP_BEFORE_KILL_MS = 3_000;
/** How long NATS stays down. */
const NATS_DOWN_MS = 5_000;
/** How long one action is retried while it answers 503 (NATS coming back, clients reconnecting). */
const RETRY_FOR_MS = 90_000;

interface Attempts {
  /** Requests answered 503 or not at all: their change may or may not have committed. */
  ambiguous: Map<string, number>;
  /** Answers by status, for the report. */
  statuses: Map<number, number>;
}

describe('audit events across a stopped audit service and a NATS restart', () => {
  let cluster: Cluster;
  let app: TestClient;
  let adminToken: string;
  const expected = new ExpectedEvents();
  const attempts: Attempts = { ambiguous: new Map(), statuses: new Map() };
  let baselineSeq = 0;
  /** Each login that completed: its session, user, and whether its grant was revoked. */
  const logins: Array<{ session: string; sub: string; revoked: boolean }> = [];

  beforeAll(async () => {
    cluster = await startCluster({ replicas: 1, env: { BUS_TIMEOUT_MS: '2000' } });
    const admin = await PlatformAdmin.connect(cluster);
    app = await admin.createClient('client_secret_basic', {
      redirectUri: loopbackRedirectUri(await freePort()),
      skipConsent: true,
    });
    // Everything so far (set-up, provisioning) stored: the test's own events come after it.
    await waitForDrain(cluster);
    baselineSeq = await maxSeq(cluster);
    await cluster.replica('audit-1').terminate();
  }, 600_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 180_000);

  /** Calls until the answer is not a 503 or transport failure; those count as ambiguous. */
  async function attempt(kinds: string[], call: () => Promise<CallAnswer>): Promise<CallAnswer> {
    const deadline = Date.now() + RETRY_FOR_MS;
    for (;;) {
      let answer: CallAnswer | undefined;
      try {
        answer = await call();
      } catch {
        // No answer (a cut connection): as ambiguous as a 503.
      }
      const status = answer?.status ?? 0;
      attempts.statuses.set(status, (attempts.statuses.get(status) ?? 0) + 1);
      if (answer && status !== 503) return answer;
      for (const kind of kinds)
        attempts.ambiguous.set(kind, (attempts.ambiguous.get(kind) ?? 0) + 1);
      if (Date.now() > deadline) throw new Error(`${kinds.join(', ')}: still ${status}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  async function adminCall(
    kinds: string[],
    method: string,
    route: string,
    json?: unknown,
  ): Promise<CallAnswer> {
    return attempt(kinds, async () => {
      let answer = await callPlatform(cluster.issuer, method, route, { token: adminToken, json });
      if (answer.status === 401) {
        adminToken = await newAdminToken();
        answer = await callPlatform(cluster.issuer, method, route, { token: adminToken, json });
      }
      return answer;
    });
  }

  async function newAdminToken(): Promise<string> {
    const { id, secret } = cluster.adminClient;
    const answer = await attempt(['token.issued'], () =>
      callPlatform(cluster.issuer, 'POST', '/token', {
        basic: { id, secret },
        form: { grant_type: 'client_credentials' },
      }),
    );
    if (answer.status !== 200) throw new Error(`admin token: ${answer.status} ${answer.text}`);
    const token = answer.body.access_token as string;
    const jti = jwtClaims(token).jti as string;
    expected.expect('token.issued', jti, { type: 'client', id });
    expected.expect('admin_login.succeeded', jti, { type: 'admin', id });
    return token;
  }

  const admin = () => ({ type: 'admin' as const, id: cluster.adminClient.id });

  /** Users: created, a third updated, a sixth (never signed in) disabled. */
  async function userChanges(phase: string): Promise<void> {
    for (let i = 0; i < USERS; i++) {
      const username = `${phase}-user-${i}-${randomBytes(3).toString('hex')}`;
      const created = await adminCall(['user.created'], 'POST', '/admin/users', {
        username,
        password: `${username} correct horse battery staple`,
      });
      if (created.status !== 201) throw new Error(`user: ${created.status} ${created.text}`);
      const id = created.body.id as string;
      expected.expect('user.created', id, admin());
      if (i % 3 === 1) {
        const updated = await adminCall(['user.updated'], 'PATCH', `/admin/users/${id}`, {
          name: `User ${i}`,
        });
        expect(updated.status).toBe(200);
        expected.expect('user.updated', id, admin());
      }
      if (i % 6 === 2) {
        const disabled = await adminCall(['user.disabled'], 'PATCH', `/admin/users/${id}`, {
          disabled: true,
        });
        expect(disabled.status).toBe(200);
        // A change of the user and the disabling; they had no session, so none ended (a
        // session.ended here, once per retry, was the defect this test found).
        expected.expect('user.updated', id, admin());
        expected.expect('user.disabled', id, admin());
      }
    }
  }

  /** Clients: created, half updated, a quarter deleted. */
  async function clientChanges(phase: string): Promise<void> {
    for (let i = 0; i < CLIENTS; i++) {
      const created = await adminCall(['client.created'], 'POST', '/admin/clients', {
        client_name: `${phase} client ${i}`,
        redirect_uris: [loopbackRedirectUri(40_000 + i)],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'openid offline_access',
      });
      if (created.status !== 201) throw new Error(`client: ${created.status} ${created.text}`);
      const id = created.body.client_id as string;
      expected.expect('client.created', id, admin());
      const route = `/admin/clients/${encodeURIComponent(id)}`;
      if (i % 2 === 0) {
        const updated = await adminCall(['client.updated'], 'PATCH', route, {
          client_name: `${phase} client ${i} (renamed)`,
        });
        expect(updated.status).toBe(200);
        expected.expect('client.updated', id, admin());
      }
      if (i % 4 === 1) {
        const deleted = await adminCall(['client.deleted'], 'DELETE', route);
        expect([200, 204]).toContain(deleted.status);
        expected.expect('client.deleted', id, admin());
      }
    }
  }

  /**
   * A login per user agent (each its own SSO session), the code exchange, two refreshes, and
   * every third grant revoked by its client.
   */
  async function userFlows(phase: string, userCount: number): Promise<void> {
    const users = [];
    for (let i = 0; i < userCount; i++) {
      const username = `${phase}-login-${i}-${randomBytes(3).toString('hex')}`;
      const password = `${username} correct horse battery staple`;
      const created = await adminCall(['user.created'], 'POST', '/admin/users', {
        username,
        password,
      });
      if (created.status !== 201) throw new Error(`user: ${created.status} ${created.text}`);
      expected.expect('user.created', created.body.id as string, admin());
      users.push({ username, password });
    }
    const flowKinds = [
      'login.succeeded',
      'session.started',
      'code.issued',
      'code.redeemed',
      'grant.created',
      'token.issued',
    ];
    for (let i = 0; i < LOGINS; i++) {
      const user = users[i % users.length]!;
      let flow: Awaited<ReturnType<typeof runCodeFlow>> | undefined;
      const deadline = Date.now() + RETRY_FOR_MS;
      while (!flow) {
        try {
          flow = await runCodeFlow(cluster.issuer, new HeadlessUserAgent(user), app);
          attempts.statuses.set(200, (attempts.statuses.get(200) ?? 0) + 1);
        } catch (err) {
          // A 503 anywhere in the flow: a fresh flow (its own session) once NATS is back.
          for (const kind of flowKinds) {
            attempts.ambiguous.set(kind, (attempts.ambiguous.get(kind) ?? 0) + 1);
          }
          if (Date.now() > deadline) throw err;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
      const idToken = jwtClaims(flow.id_token!);
      const sub = idToken.sub as string;
      const session = idToken.sid as string;
      const userActor = { type: 'user' as const, id: sub };
      expected.expect('login.succeeded', session, userActor);
      expected.expect('session.started', session, userActor);
      expected.expect('code.issued', session, userActor);
      expected.expect('token.issued', jwtClaims(flow.access_token).jti as string, userActor);
      // The grant's id is in the token service's table only: read there once the actions are done.
      logins.push({ session, sub, revoked: i % 3 === 0 });

      let refreshToken = flow.refresh_token!;
      for (let r = 0; r < 2; r++) {
        const refreshed = await attempt(['token.refreshed'], () =>
          callPlatform(cluster.issuer, 'POST', '/token', {
            basic: { id: app.client_id, secret: app.client_secret! },
            form: { grant_type: 'refresh_token', refresh_token: refreshToken },
          }),
        );
        if (refreshed.status !== 200) {
          throw new Error(`refresh: ${refreshed.status} ${refreshed.text}`);
        }
        refreshToken = refreshed.body.refresh_token as string;
        const jti = jwtClaims(refreshed.body.access_token as string).jti as string;
        expected.expect('token.refreshed', jti, userActor);
      }
      if (i % 3 === 0) {
        const revoked = await attempt(['token.revoked'], () =>
          callPlatform(cluster.issuer, 'POST', '/revoke', {
            basic: { id: app.client_id, secret: app.client_secret! },
            form: { token: refreshToken, token_type_hint: 'refresh_token' },
          }),
        );
        expect(revoked.status).toBe(200);
      }
    }
  }

  it('stores every event exactly once, in a valid chain, with its actor', async () => {
    adminToken = await newAdminToken();
    const startedAt = Date.now();
    await userChanges('a');
    await clientChanges('a');
    await userFlows('a', 6);

    // The same again, while NATS crashes and comes back with its store: the stream keeps what
    // the outboxes sent before, and the requests under way meet the outage.
    let killedAt = 0;
    let restartedAt = 0;
    const outage = (async () => {
      await new Promise((resolve) => setTimeout(resolve, NATS_UP_BEFORE_KILL_MS));
      await cluster.backends.nats.kill();
      killedAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, NATS_DOWN_MS));
      await cluster.backends.nats.restart();
      restartedAt = Date.now();
    })();
    await Promise.all([userChanges('b'), clientChanges('b'), userFlows('b', 6), outage]);
    const actionsDoneAt = Date.now();

    // The audit service starts and catches up.
    const auditStart = Date.now();
    await cluster.replica('audit-1').start();
    const drained = await waitForDrain(cluster);
    const drainMs = drained - auditStart;

    // Each login's grant, as the token service stored it.
    const grants = await cluster.query<{ id: string; sid: string }>(
      'SELECT id, sid FROM token.grants WHERE sid = ANY($1::text[])',
      [logins.map((login) => login.session)],
    );
    const grantOf = new Map(grants.map((grant) => [grant.sid, grant.id]));
    for (const login of logins) {
      const grant = grantOf.get(login.session);
      if (grant === undefined) throw new Error(`no grant for session ${login.session}`);
      expected.expect('code.redeemed', grant, { type: 'client', id: app.client_id });
      expected.expect('grant.created', grant, { type: 'user', id: login.sub });
      if (login.revoked) {
        expected.expect('token.revoked', grant, { type: 'client', id: app.client_id });
      }
    }

    const rows = await cluster.query<{ seq: string; event: StoredEvent }>(
      'SELECT seq, event FROM audit.events WHERE seq > $1 ORDER BY seq',
      [baselineSeq],
    );
    const stored = rows.map((row) => row.event);
    const comparison = expected.compare(stored);
    const verify = await callPlatform(cluster.issuer, 'GET', '/admin/audit/verify', {
      token: await newAdminTokenQuiet(cluster),
    });
    const streamMessages = await streamMessageCount(cluster);

    console.log(
      [
        `audit restart: ${expected.size} expected events, ${stored.length} stored after the set-up`,
        `actions ${Math.round((actionsDoneAt - startedAt) / 1000)} s, NATS down ${restartedAt - killedAt} ms`,
        `answers: ${JSON.stringify(Object.fromEntries(attempts.statuses))}; ambiguous attempts: ${JSON.stringify(Object.fromEntries(attempts.ambiguous))}`,
        `expected by type: ${JSON.stringify(Object.fromEntries(expected.countsByType()))}`,
        `stored by type: ${JSON.stringify(Object.fromEntries(comparison.countsByType))}`,
        `stored beyond the expected: ${JSON.stringify(Object.fromEntries(comparison.unexpected))}`,
        `stream messages ${streamMessages}; drained ${drainMs} ms after the audit service was started`,
        `verify: ${verify.text}`,
      ].join('\n'),
    );

    expect(comparison.missing).toEqual([]);
    expect(comparison.duplicated).toEqual([]);
    expect(comparison.duplicateIds).toEqual([]);
    expect(comparison.badActors).toEqual([]);
    // Beyond the expected facts only what an ambiguous attempt may have done, at most once each.
    for (const [type, count] of comparison.unexpected) {
      expect({ type, count: Math.min(count, attempts.ambiguous.get(type) ?? 0) }).toEqual({
        type,
        count,
      });
    }
    expect(verify.status).toBe(200);
    expect(verify.body.valid).toBe(true);
    expect(Number(verify.body.checked)).toBeGreaterThanOrEqual(baselineSeq + stored.length);
  });
});

function jwtClaims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

async function newAdminTokenQuiet(cluster: Cluster): Promise<string> {
  const { id, secret } = cluster.adminClient;
  const answer = await callPlatform(cluster.issuer, 'POST', '/token', {
    basic: { id, secret },
    form: { grant_type: 'client_credentials' },
  });
  return answer.body.access_token as string;
}

async function maxSeq(cluster: Cluster): Promise<number> {
  const [row] = await cluster.query<{ seq: string | null }>(
    'SELECT max(seq) AS seq FROM audit.events',
  );
  return Number(row?.seq ?? 0);
}

const OUTBOXES = ['gateway', 'token', 'client_registry'];

/**
 * Waits until every service's outbox is empty and the audit service's consumer has nothing
 * pending or unacknowledged; answers when that was first seen.
 */
async function waitForDrain(cluster: Cluster): Promise<number> {
  const deadline = Date.now() + 300_000;
  const nc = await connect({ servers: cluster.backends.nats.url });
  try {
    const jsm = await jetstreamManager(nc);
    for (;;) {
      const outboxes = await Promise.all(
        OUTBOXES.map((schema) =>
          cluster.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.audit_outbox`),
        ),
      );
      const waiting = outboxes.reduce((sum, [row]) => sum + (row?.n ?? 0), 0);
      const consumer = await jsm.consumers.info('AUDIT', AUDIT_CONSUMER).catch(() => undefined);
      if (
        waiting === 0 &&
        consumer !== undefined &&
        consumer.num_pending === 0 &&
        consumer.num_ack_pending === 0
      ) {
        return Date.now();
      }
      if (Date.now() > deadline) {
        throw new Error(
          `not drained: ${waiting} in outboxes, consumer ${JSON.stringify(consumer && { pending: consumer.num_pending, ack_pending: consumer.num_ack_pending })}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await nc.close();
  }
}

async function streamMessageCount(cluster: Cluster): Promise<number> {
  const nc = await connect({ servers: cluster.backends.nats.url });
  try {
    const jsm = await jetstreamManager(nc);
    return (await jsm.streams.info('AUDIT')).state.messages;
  } finally {
    await nc.close();
  }
}
