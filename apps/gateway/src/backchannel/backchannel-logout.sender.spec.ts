import { expect } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { RecordingAuditClient } from '@latchkey/testing';
import type { ClientRecord } from '@latchkey/contracts';
import { type OutboundPolicy, STRICT_OUTBOUND_POLICY } from '@latchkey/oauth';
import { openDatabase } from '@latchkey/persistence';
import { OutboundHttp } from '@latchkey/platform';
import { uniqueSuffix } from '@latchkey/testing';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClientsCache } from '@latchkey/registry-client';
import type { DataSource } from 'typeorm';
import { webClient } from '../fixtures/client.fixture';
import { GATEWAY_PERSISTENCE } from '../gateway.persistence';
import { BackchannelDeliveriesRepository } from './backchannel-deliveries.repository';
import type { BackchannelLogoutOptions } from './backchannel-logout.options';
import { BackchannelLogoutSender, type LogoutTokenDelivery } from './backchannel-logout.sender';
import { backchannelTargetProblem } from './backchannel-target';

jest.setTimeout(30_000);

interface Received {
  path: string;
  contentType?: string;
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, index: number) => void;

/** A relying party's back-channel endpoint on loopback, answering as each test scripts it. */
async function startTarget() {
  const received: Received[] = [];
  const held: ServerResponse[] = [];
  let handler: Handler = (_req, res) => res.writeHead(200).end();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body });
      handler(req, res, received.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    uri: `http://127.0.0.1:${port}/backchannel`,
    received,
    held,
    answer(next: Handler) {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls until `condition` holds (deliveries happen in the background). */
async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const OPTIONS: BackchannelLogoutOptions = {
  timeoutMs: 300,
  retryDelaysMs: [5, 5],
  concurrency: 2,
  pollIntervalMs: 10,
  leaseMs: 1_000,
};

/** The test's receiver is on loopback: the operator allowance these tests run under. */
const LOOPBACK_ALLOWED: OutboundPolicy = { allowPrivate: false, allowedCidrs: ['127.0.0.0/8'] };

describe('BackchannelLogoutSender (durable queue)', () => {
  let dataSource: DataSource;
  let repository: BackchannelDeliveriesRepository;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let clients: Map<string, ClientRecord>;
  let cache: ClientsCache;
  let audit: RecordingAuditClient;
  let senders: BackchannelLogoutSender[];
  let warn: jest.SpyInstance;

  beforeAll(async () => {
    dataSource = await openDatabase({
      ...GATEWAY_PERSISTENCE,
      dataDir: `memory://backchannel-${uniqueSuffix()}`,
      logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
    });
    repository = new BackchannelDeliveriesRepository(dataSource);
  });

  afterAll(() => dataSource?.destroy());

  beforeEach(async () => {
    await dataSource.query('DELETE FROM "gateway"."backchannel_deliveries"');
    target = await startTarget();
    clients = new Map([['web-app', webClient({ backchannel_logout_uri: target.uri })]]);
    cache = { get: async (id: string) => clients.get(id) ?? null } as unknown as ClientsCache;
    audit = new RecordingAuditClient('gateway');
    senders = [];
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    await Promise.all(senders.map((s) => s.onModuleDestroy()));
    for (const res of target.held) res.destroy();
    await target.close();
    jest.restoreAllMocks();
  });

  /** A gateway replica (or a restarted one) over the same database. */
  function replica(
    options: Partial<BackchannelLogoutOptions> = {},
    policy: OutboundPolicy = LOOPBACK_ALLOWED,
  ): BackchannelLogoutSender {
    const sender = new BackchannelLogoutSender(
      cache,
      repository,
      new OutboundHttp({ policy }),
      audit,
      { ...OPTIONS, ...options },
    );
    senders.push(sender);
    return sender;
  }

  const delivery = (overrides: Partial<LogoutTokenDelivery> = {}): LogoutTokenDelivery => ({
    client_id: 'web-app',
    backchannel_logout_uri: target.uri,
    logout_token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln',
    ...overrides,
  });

  const queueEmpty = async () => (await repository.count()) === 0;
  const failedEvents = () => audit.ofType('backchannel_logout.failed');

  it('POSTs the token as a form to the registered URI, and forgets it once delivered', async () => {
    const sender = replica();
    sender.start();
    await sender.send([delivery()]);
    await until(queueEmpty);
    expect(target.received).toEqual([
      {
        path: '/backchannel',
        contentType: 'application/x-www-form-urlencoded',
        body: 'logout_token=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln',
      },
    ]);
    expect(failedEvents()).toEqual([]);
  });

  it('does not make the caller wait for the relying party', async () => {
    target.answer((_req, res) => target.held.push(res));
    const sender = replica({ timeoutMs: 5_000 });
    sender.start();
    await sender.send([delivery()]);
    await until(() => target.held.length === 1);
    // The relying party has not answered; the delivery is still pending, the caller is done.
    expect(await repository.count()).toBe(1);
    target.held[0]!.writeHead(200).end();
    await until(queueEmpty);
    expect(failedEvents()).toEqual([]);
  });

  it('retries a 5xx, 429 or 408 with backoff until it is delivered', async () => {
    const statuses = [503, 429, 200];
    target.answer((_req, res, i) => res.writeHead(statuses[i]!).end());
    const sender = replica();
    sender.start();
    await sender.send([delivery()]);
    await until(queueEmpty);
    expect(target.received).toHaveLength(3);
    expect(failedEvents()).toEqual([]);
  });

  it('gives up after the last attempt with one audit event, never carrying the token', async () => {
    target.answer((_req, res) => res.writeHead(500).end());
    const sender = replica();
    sender.start();
    await sender.send([delivery()]);
    await until(queueEmpty);
    expect(target.received).toHaveLength(3);
    expect(failedEvents()).toHaveLength(1);
    expect(failedEvents()[0]).toMatchObject({
      source: 'https://id.example.test/gateway',
      subject: 'web-app',
      data: { client_id: 'web-app', attempts: 3, reason: 'HTTP 500' },
    });
    const written = JSON.stringify([audit.events, warn.mock.calls]);
    expect(written).not.toContain(delivery().logout_token);
  });

  it('abandons an attempt that takes too long and tries again', async () => {
    target.answer((_req, res, i) => (i === 0 ? target.held.push(res) : res.writeHead(204).end()));
    const sender = replica();
    sender.start();
    await sender.send([delivery()]);
    await until(queueEmpty);
    expect(target.received).toHaveLength(2);
    expect(failedEvents()).toEqual([]);
  });

  it('retries an unreachable relying party, then gives up', async () => {
    await target.close();
    const sender = replica();
    sender.start();
    await sender.send([delivery()]);
    await until(queueEmpty);
    expect(failedEvents().map((e) => e.data.attempts)).toEqual([3]);
  });

  it.each([
    [400, 'the relying party refused the token'],
    [302, 'a redirect is not followed'],
  ])('does not retry a %s (%s)', async (status) => {
    target.answer((_req, res) =>
      res.writeHead(status, status === 302 ? { location: '/elsewhere' } : {}).end(),
    );
    const sender = replica();
    sender.start();
    await sender.send([delivery()]);
    await until(queueEmpty);
    expect(target.received.map((r) => r.path)).toEqual(['/backchannel']);
    expect(failedEvents().map((e) => e.data)).toEqual([
      expect.objectContaining({ attempts: 1, reason: `HTTP ${status}` }),
    ]);
  });

  it.each<[string, () => void, Partial<LogoutTokenDelivery>]>([
    [
      'a URI the client did not register',
      () => undefined,
      { backchannel_logout_uri: 'http://127.0.0.1:9/x' },
    ],
    ['an unknown client', () => undefined, { client_id: 'no-such-app' }],
    [
      'a disabled client',
      () => clients.set('web-app', { ...clients.get('web-app')!, disabled: true }),
      {},
    ],
    ['a client without back-channel logout', () => clients.set('web-app', webClient()), {}],
  ])('sends nothing to %s', async (_what, arrange, overrides) => {
    arrange();
    const sender = replica();
    sender.start();
    await sender.send([delivery(overrides)]);
    await until(queueEmpty);
    expect(target.received).toEqual([]);
    expect(failedEvents()).toHaveLength(1);
  });

  it('never posts to a loopback URI unless the operator allows loopback targets', async () => {
    // A record from before the policy (or a policy since tightened): refused at call time.
    const sender = replica({}, STRICT_OUTBOUND_POLICY);
    sender.start();
    await sender.send([delivery()]);
    await until(queueEmpty);
    expect(target.received).toEqual([]);
    expect(failedEvents().map((e) => e.data)).toEqual([
      expect.objectContaining({
        attempts: 1,
        reason: expect.stringMatching(/backchannel_logout_uri must use https/),
      }),
    ]);
  });

  it('delivers what a stopped gateway left behind, once restarted', async () => {
    // Queued by a gateway that stopped before its first attempt.
    const stopped = replica();
    await stopped.onModuleDestroy();
    await stopped.send([delivery()]);
    expect(await repository.count()).toBe(1);
    expect(target.received).toEqual([]);

    const restarted = replica();
    restarted.start();
    await until(queueEmpty);
    expect(target.received).toHaveLength(1);
    expect(failedEvents()).toEqual([]);
  });

  it('takes over a delivery whose gateway died mid-attempt, once the lease runs out', async () => {
    target.answer((_req, res, i) => (i === 0 ? target.held.push(res) : res.writeHead(200).end()));
    const dying = replica({ timeoutMs: 5_000, leaseMs: 300 });
    dying.start();
    await dying.send([delivery()]);
    await until(() => target.held.length === 1);
    await dying.onModuleDestroy();

    const next = replica({ leaseMs: 300 });
    next.start();
    await until(queueEmpty);
    expect(target.received).toHaveLength(2);
    expect(failedEvents()).toEqual([]);
  });

  it('delivers each token exactly once with two replicas working the same queue', async () => {
    const a = replica({ concurrency: 3 });
    const b = replica({ concurrency: 3 });
    const tokens = Array.from({ length: 30 }, (_, i) => `token-${i}`);
    await a.send(tokens.map((logout_token) => delivery({ logout_token })));
    a.start();
    b.start();
    await until(queueEmpty);
    const posted = target.received.map((r) => new URLSearchParams(r.body).get('logout_token'));
    expect(posted.sort()).toEqual([...tokens].sort());
  });
});

describe('backchannelTargetProblem', () => {
  const uri = 'https://app.example.test/backchannel';
  const client = webClient({ backchannel_logout_uri: uri });
  const LOOPBACK: OutboundPolicy = { allowPrivate: false, allowedCidrs: ['127.0.0.0/8'] };

  it('accepts exactly the registered URI of an active client', () => {
    expect(backchannelTargetProblem(uri, client, STRICT_OUTBOUND_POLICY)).toBeUndefined();
    expect(
      backchannelTargetProblem(
        'http://127.0.0.1:8080/bc',
        { ...client, backchannel_logout_uri: 'http://127.0.0.1:8080/bc' },
        LOOPBACK,
      ),
    ).toBeUndefined();
  });

  it.each<[string, string, ClientRecord | null, string]>([
    ['unknown client', uri, null, 'unknown'],
    ['disabled client', uri, { ...client, disabled: true }, 'disabled'],
    ['not registered', uri, webClient(), 'no backchannel_logout_uri'],
    ['another URI', `${uri}/other`, client, 'not the client'],
    [
      'plain http to a remote host',
      'http://app.example.test/bc',
      { ...client, backchannel_logout_uri: 'http://app.example.test/bc' },
      'must use https',
    ],
    [
      'another scheme',
      'ftp://app.example.test/bc',
      { ...client, backchannel_logout_uri: 'ftp://app.example.test/bc' },
      'ftp',
    ],
    [
      'a private address',
      'https://10.1.2.3/bc',
      { ...client, backchannel_logout_uri: 'https://10.1.2.3/bc' },
      'private address',
    ],
  ])('refuses %s', (_what, target, record, problem) => {
    expect(backchannelTargetProblem(target, record, STRICT_OUTBOUND_POLICY)).toContain(problem);
  });
});
