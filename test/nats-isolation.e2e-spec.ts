import { expect } from '@jest/globals';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import {
  describeWithBackends,
  startTestNats,
  TEST_BACKENDS,
  type TestNats,
} from '@latchkey/testing';
import { rmSync } from 'node:fs';
import { callPlatform, type CallOptions } from './support/http-call';
import { distributedBackends, startDistributedPlatform, type Platform } from './support/platform';
import { eventually, freePort } from './support/processes';
import { loopbackRedirectUri, PlatformAdmin } from './support/provisioning';

/**
 * Two installations on ONE nats-server (docs/nats.md), each with its own NATS_SUBJECT_PREFIX and
 * audit stream: neither answers the other's requests (both have an admin client named
 * `latchkey-admin`, with different secrets, so one answered by the other's registry fails), their
 * clients and tokens stay apart, each stores only its own audit events, and every subject on the
 * wire carries its installation's prefix.
 */
jest.setTimeout(300_000);

interface Installation {
  prefix: string;
  stream: string;
  redisDb: number;
}

const INSTALLATIONS: Record<'a' | 'b', Installation> = {
  a: { prefix: 'tenant-a', stream: 'AUDIT_TENANT_A', redisDb: 11 },
  b: { prefix: 'tenant-b', stream: 'AUDIT_TENANT_B', redisDb: 12 },
};

describeWithBackends(distributedBackends(), 'two installations on one nats-server', () => {
  let nats: TestNats;
  let a: Platform;
  let b: Platform;
  let watcher: NatsConnection;
  let everything: Subscription;
  const subjects = new Set<string>();

  beforeAll(async () => {
    nats = await startTestNats({ jetstream: true });
    watcher = await connect({ servers: nats.url, name: 'isolation-watcher' });
    everything = watcher.subscribe('>', {
      callback: (_err, msg) => void subjects.add(msg.subject),
    });
    const start = ({ prefix, stream, redisDb }: Installation) =>
      startDistributedPlatform(
        {
          NATS_SUBJECT_PREFIX: prefix,
          AUDIT_STREAM_NAME: stream,
          // Each installation has its own Redis database, as it would have its own Redis.
          REDIS_URL: `${TEST_BACKENDS.redis}/${redisDb}`,
        },
        { nats },
      );
    // One after the other: eight processes booting at once are slow on a small machine.
    a = await start(INSTALLATIONS.a);
    b = await start(INSTALLATIONS.b);
  }, 240_000);

  afterAll(async () => {
    everything?.unsubscribe();
    await watcher?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await nats?.stop();
    rmSync(`/tmp/latchkey-test-nats-${nats?.port}`, { recursive: true, force: true });
  }, 120_000);

  const call = (platform: Platform, method: string, route: string, options: CallOptions = {}) =>
    callPlatform(platform.issuer, method, route, options);

  it("answers each installation's requests from its own services only", async () => {
    // The gateway asks `clients.get` for the admin client on every token request: answered by the
    // other installation's registry, the secret would not match and the request would fail.
    for (let round = 0; round < 10; round++) {
      for (const platform of [a, b]) {
        const answer = await call(platform, 'POST', '/token', {
          basic: platform.adminClient,
          form: { grant_type: 'client_credentials' },
        });
        expect(answer.status).toBe(200);
      }
    }
  });

  it("keeps clients and tokens apart: one installation's are unknown to the other", async () => {
    const adminA = await PlatformAdmin.connect(a);
    const clientA = await adminA.createClient('client_secret_basic', {
      redirectUri: loopbackRedirectUri(await freePort()),
    });
    const tokenOfA = await call(a, 'POST', '/token', {
      basic: a.adminClient,
      form: { grant_type: 'client_credentials' },
    });
    const bearerA = tokenOfA.body.access_token as string;
    const tokenOfB = await call(b, 'POST', '/token', {
      basic: b.adminClient,
      form: { grant_type: 'client_credentials' },
    });
    const bearerB = tokenOfB.body.access_token as string;

    const path = `/admin/clients/${encodeURIComponent(clientA.client_id)}`;
    expect((await call(a, 'GET', path, { token: bearerA })).status).toBe(200);
    expect((await call(b, 'GET', path, { token: bearerB })).status).toBe(404);
    // A's client cannot use B's token endpoint, nor B's admin token A's admin API.
    const crossed = await call(b, 'POST', '/token', {
      basic: { id: clientA.client_id, secret: clientA.client_secret! },
      form: { grant_type: 'client_credentials' },
    });
    expect(crossed.status).toBe(401);
    expect((await call(a, 'GET', '/admin/clients', { token: bearerB })).status).toBe(401);
    // Introspection through the token service of the other installation: not its token.
    const introspected = await call(b, 'POST', '/introspect', {
      basic: b.adminClient,
      form: { token: bearerA },
    });
    expect(introspected.body).toEqual({ active: false });
  });

  it('stores each installation’s audit events in its own stream and its own chain', async () => {
    const [adminA, adminB] = await Promise.all([
      PlatformAdmin.connect(a),
      PlatformAdmin.connect(b),
    ]);
    const onlyA = await adminA.createClient('client_secret_basic', {
      redirectUri: loopbackRedirectUri(await freePort()),
    });
    const onlyB = await adminB.createClient('client_secret_basic', {
      redirectUri: loopbackRedirectUri(await freePort()),
    });
    const bearer = async (platform: Platform) =>
      (
        await call(platform, 'POST', '/token', {
          basic: platform.adminClient,
          form: { grant_type: 'client_credentials' },
        })
      ).body.access_token as string;
    const [bearerA, bearerB] = [await bearer(a), await bearer(b)];
    const created = async (platform: Platform, token: string, clientId: string) => {
      const answer = await call(
        platform,
        'GET',
        `/admin/audit?type=client.created&subject=${clientId}`,
        {
          token,
        },
      );
      return (answer.body.items as unknown[] | undefined)?.length ?? 0;
    };
    await eventually(async () => (await created(a, bearerA, onlyA.client_id)) === 1, {
      what: "A's client.created stored by A",
    });
    await eventually(async () => (await created(b, bearerB, onlyB.client_id)) === 1, {
      what: "B's client.created stored by B",
    });
    expect(await created(a, bearerA, onlyB.client_id)).toBe(0);
    expect(await created(b, bearerB, onlyA.client_id)).toBe(0);
    for (const [platform, token] of [
      [a, bearerA],
      [b, bearerB],
    ] as const) {
      const verify = await call(platform, 'GET', '/admin/audit/verify', { token });
      expect(verify.body).toMatchObject({ valid: true });
    }

    const jsm = await jetstreamManager(watcher);
    const streams = (await jsm.streams.list().next()).map((info) => ({
      name: info.config.name,
      subjects: info.config.subjects,
    }));
    expect(streams.sort((x, y) => x.name.localeCompare(y.name))).toEqual([
      { name: INSTALLATIONS.a.stream, subjects: [`${INSTALLATIONS.a.prefix}.audit.*.*`] },
      {
        name: `${INSTALLATIONS.a.stream}_DEAD_LETTER`,
        subjects: [`${INSTALLATIONS.a.prefix}.audit.dead_letter`],
      },
      { name: INSTALLATIONS.b.stream, subjects: [`${INSTALLATIONS.b.prefix}.audit.*.*`] },
      {
        name: `${INSTALLATIONS.b.stream}_DEAD_LETTER`,
        subjects: [`${INSTALLATIONS.b.prefix}.audit.dead_letter`],
      },
    ]);
  });

  it("puts every subject of the platform behind its installation's prefix", async () => {
    await watcher.flush();
    const ours = [...subjects].filter(
      (subject) => !subject.startsWith('_INBOX.') && !subject.startsWith('$JS.'),
    );
    expect(ours.length).toBeGreaterThan(0);
    const unprefixed = ours.filter(
      (subject) =>
        !subject.startsWith(`${INSTALLATIONS.a.prefix}.`) &&
        !subject.startsWith(`${INSTALLATIONS.b.prefix}.`),
    );
    expect(unprefixed).toEqual([]);
    for (const { prefix } of Object.values(INSTALLATIONS)) {
      expect(ours).toContain(`${prefix}.clients.get`);
      expect(ours).toContain(`${prefix}.audit.client.created`);
    }
  });
});
