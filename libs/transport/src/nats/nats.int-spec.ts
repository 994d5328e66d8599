import { type ChildProcess, spawn } from 'node:child_process';
import { Controller, Inject, type INestMicroservice, Logger } from '@nestjs/common';
import {
  Ctx,
  EventPattern,
  MessagePattern,
  type NatsContext,
  Payload,
} from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import {
  InvalidGrant,
  type OAuthError,
  ServerError,
  TemporarilyUnavailable,
} from '@latchkey/oauth';
import {
  describeWithBackends,
  freePort,
  haveNatsServer,
  natsServerBinary,
  portOpen,
  TEST_BACKENDS,
  uniqueSuffix,
} from '@latchkey/testing';
import {
  applyBusEnhancers,
  BroadcastEventPattern,
  BusClient,
  createNatsClient,
  natsServerOptions,
  REQUEST_ID_HEADER,
  RequestContext,
  type TransportHeaders,
} from '@latchkey/transport';
import { ClientSubjects, NO_PAYLOAD, type PayloadRule, TokenSubjects } from '@latchkey/contracts';
import { connect } from '@nats-io/transport-node';

/** These specs test the transport, not the wire contract: every test subject takes any payload. */
const ANY_PAYLOAD: Readonly<Record<string, PayloadRule>> = new Proxy({}, { get: () => NO_PAYLOAD });

// Subjects and queue group are unique per run, so parallel runs on one NATS never meet.
const RUN = `t${uniqueSuffix()}`;
const QUEUE = `q-${RUN}`;
const S = {
  echo: `${RUN}.echo`,
  invalidGrant: `${RUN}.invalid-grant`,
  crash: `${RUN}.crash`,
  slow: `${RUN}.slow`,
  happened: `${RUN}.happened`,
  changed: `${RUN}.client.changed`,
  nobody: `${RUN}.nobody`,
};

const REPLICA = 'REPLICA';
const RECORDER = 'RECORDER';

interface Delivery {
  replica: string;
  subject: string;
  data: unknown;
  requestId?: string;
}

@Controller()
class ReplicaController {
  constructor(
    @Inject(REPLICA) private readonly replica: string,
    @Inject(RECORDER) private readonly recorder: Delivery[],
  ) {}

  @MessagePattern(S.echo)
  echo(@Payload() data: unknown, @Ctx() ctx: NatsContext) {
    this.recorder.push({ replica: this.replica, subject: S.echo, data });
    return {
      data,
      at: new Date('2024-01-02T03:04:05.000Z'),
      replica: this.replica,
      requestId: RequestContext.requestId(),
      header: (ctx.getHeaders() as TransportHeaders | undefined)?.get(REQUEST_ID_HEADER),
    };
  }

  @MessagePattern(S.invalidGrant)
  invalidGrant() {
    throw new InvalidGrant('authorization code was already used');
  }

  @MessagePattern(S.crash)
  async crash() {
    throw new Error('connection to postgres://user:hunter2@db failed');
  }

  @MessagePattern(S.slow)
  async slow() {
    // Unref: the test must not wait for (or be kept alive by) the answer it gave up on.
    await new Promise((resolve) => setTimeout(resolve, 2000).unref());
    return 'late';
  }

  @EventPattern(S.happened)
  happened(@Payload() data: unknown) {
    this.recorder.push({
      replica: this.replica,
      subject: S.happened,
      data,
      requestId: RequestContext.requestId(),
    });
  }

  @BroadcastEventPattern(S.changed)
  changed(@Payload() data: unknown) {
    this.recorder.push({ replica: this.replica, subject: S.changed, data });
  }
}

async function startReplica(
  natsUrl: string,
  replica: string,
  recorder: Delivery[],
): Promise<INestMicroservice> {
  const moduleRef = await Test.createTestingModule({
    controllers: [ReplicaController],
    providers: [
      { provide: REPLICA, useValue: replica },
      { provide: RECORDER, useValue: recorder },
    ],
  }).compile();
  const microservice = moduleRef.createNestMicroservice({
    ...natsServerOptions({ natsUrl, name: `${RUN}-${replica}`, queue: QUEUE, gracePeriodMs: 50 }),
    logger: false,
  });
  applyBusEnhancers(microservice, ANY_PAYLOAD);
  await microservice.listen();
  return microservice;
}

function newBusClient(natsUrl: string, timeoutMs: number): BusClient {
  return new BusClient(createNatsClient({ natsUrl, name: `${RUN}-client` }), { timeoutMs });
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function quietLogs(): void {
  for (const level of ['log', 'warn', 'error'] as const) {
    jest.spyOn(Logger.prototype, level).mockImplementation(() => undefined);
  }
}

describeWithBackends(['nats'], 'NATS transport (real NATS)', () => {
  const natsUrl = TEST_BACKENDS.nats;
  const recorder: Delivery[] = [];
  let replicas: INestMicroservice[] = [];
  let client: BusClient;

  beforeAll(async () => {
    replicas = [
      await startReplica(natsUrl, 'a', recorder),
      await startReplica(natsUrl, 'b', recorder),
    ];
    client = newBusClient(natsUrl, 2000);
    // Subscriptions reach the server asynchronously; wait until both replicas answer.
    await until(async () => {
      await client.request(S.echo, {});
      return new Set(recorder.map((d) => d.replica)).size === 2;
    }, 5000);
  });

  afterAll(async () => {
    await client?.close();
    for (const replica of replicas) await replica.close();
  });

  beforeEach(() => {
    recorder.length = 0;
  });

  afterEach(() => jest.restoreAllMocks());

  it('answers a request, with Dates turned into strings by JSON', async () => {
    const reply = await client.request<{ data: unknown; at: unknown }>(S.echo, {
      when: new Date('2030-01-01T00:00:00.000Z'),
    });
    expect(reply.data).toEqual({ when: '2030-01-01T00:00:00.000Z' });
    expect(reply.at).toBe('2024-01-02T03:04:05.000Z');
  });

  it('rebuilds an OAuthError from the remote handler as the same subclass', async () => {
    const error = await client.request(S.invalidGrant, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidGrant);
    expect(error).toMatchObject({
      status: 400,
      error: 'invalid_grant',
      description: 'authorization code was already used',
    });
  });

  it('turns any other remote error into a generic ServerError', async () => {
    quietLogs();
    const error = await client.request(S.crash, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ status: 500, description: 'an unexpected error occurred' });
    expect(JSON.stringify(error)).not.toContain('hunter2');
  });

  it('carries the request id in a NATS header', async () => {
    const reply = await RequestContext.run({ requestId: 'req-nats-1' }, () =>
      client.request<{ requestId: string; header: string }>(S.echo, {}),
    );
    expect(reply).toMatchObject({ requestId: 'req-nats-1', header: 'req-nats-1' });
  });

  it('load-balances 20 requests over the queue group, each answered once', async () => {
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.request<{ replica: string }>(S.echo, { i })),
    );
    expect(replies).toHaveLength(20);
    // Each request was handled exactly once: 20 deliveries in all, one per request index.
    expect(recorder).toHaveLength(20);
    const indexes = recorder.map((d) => (d.data as { i: number }).i).sort((x, y) => x - y);
    expect(indexes).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(recorder.some((d) => d.replica === 'a')).toBe(true);
    expect(recorder.some((d) => d.replica === 'b')).toBe(true);
  });

  it('gives a queued event to one replica, with the request id', async () => {
    await RequestContext.run({ requestId: 'req-nats-event' }, () =>
      client.emit(S.happened, { n: 1 }),
    );
    await until(() => recorder.length >= 1);
    // Leave time for a wrongly duplicated delivery to show up.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(recorder).toHaveLength(1);
    expect(recorder[0]).toMatchObject({ data: { n: 1 }, requestId: 'req-nats-event' });
  });

  it('gives a broadcast event (outside the queue group) to every replica', async () => {
    await client.emit(S.changed, { clientId: 'c1' });
    await until(() => recorder.length >= 2);
    expect(recorder.map((d) => d.replica).sort()).toEqual(['a', 'b']);
  });

  it('fails at once with TemporarilyUnavailable when no server listens', async () => {
    quietLogs();
    const startedAt = Date.now();
    const error = await client.request(S.nobody, {}, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TemporarilyUnavailable);
    expect((error as OAuthError).status).toBe(503);
    expect(Date.now() - startedAt).toBeLessThan(1000);
  });

  describe('no responders on a retry-safe subject (a rolling restart)', () => {
    // The contract's subject behind this run's prefix, so that no other run answers it.
    const prefixed = () =>
      new BusClient(createNatsClient({ natsUrl, name: `${RUN}-retry`, subjectPrefix: RUN }), {
        timeoutMs: 5000,
      });

    it('is sent again until a replica subscribes', async () => {
      quietLogs();
      const bus = prefixed();
      const replica = await connect({ servers: natsUrl });
      try {
        const answered = bus.request<{ ok: boolean }>(ClientSubjects.Get, { client_id: 'c' });
        // The replica joins 300 ms later and answers as a Nest server does.
        await new Promise((resolve) => setTimeout(resolve, 300));
        replica.subscribe(`${RUN}.${ClientSubjects.Get}`, {
          callback: (_err, msg) => {
            const packet = JSON.parse(new TextDecoder().decode(msg.data)) as { id: string };
            msg.respond(
              JSON.stringify({ id: packet.id, response: { ok: true }, isDisposed: true }),
            );
          },
        });
        await expect(answered).resolves.toEqual({ ok: true });
      } finally {
        await replica.close();
        await bus.close();
      }
    });

    it('is not sent again for a code redemption: 503 at once', async () => {
      quietLogs();
      const bus = prefixed();
      try {
        const startedAt = Date.now();
        const error = await bus.request(TokenSubjects.Request, {}).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TemporarilyUnavailable);
        // Far below the 1.5 s of pauses a retried request would wait.
        expect(Date.now() - startedAt).toBeLessThan(1000);
      } finally {
        await bus.close();
      }
    });
  });

  it('fails with TemporarilyUnavailable at the deadline when the handler is too slow', async () => {
    quietLogs();
    const startedAt = Date.now();
    const error = await client.request(S.slow, {}, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TemporarilyUnavailable);
    expect(Date.now() - startedAt).toBeLessThan(1000);
  });

  it('is connected and answers a ping', async () => {
    expect(client.isConnected()).toBe(true);
    await expect(client.ping()).resolves.toBe(true);
  });
});

// --- Outage and recovery, against a private nats-server this suite starts and stops itself. ---

const haveServer = haveNatsServer();

if (!haveServer) {
  const reason = `"${natsServerBinary}" not found (set NATS_SERVER_BIN)`;
  if (process.env.CI === 'true') throw new Error(`NATS outage tests need ${reason}`);
  console.warn(`skipping NATS outage tests: ${reason}`);
}
const describeOutage = haveServer ? describe : describe.skip;

async function startNatsServer(port: number): Promise<ChildProcess> {
  const child = spawn(natsServerBinary, ['-a', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
  });
  await until(() => portOpen(port), 5000);
  return child;
}

async function stopNatsServer(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describeOutage('NATS outage and recovery (private nats-server)', () => {
  let port: number;
  let natsUrl: string;
  let nats: ChildProcess | undefined;
  let replica: INestMicroservice | undefined;
  let client: BusClient | undefined;

  beforeAll(async () => {
    port = await freePort();
    natsUrl = `nats://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await client?.close();
    await replica?.close();
    await stopNatsServer(nats);
  });

  beforeEach(() => quietLogs());
  afterEach(() => jest.restoreAllMocks());

  it('fails within the deadline while NATS is down, and recovers by itself', async () => {
    // NATS not started yet: the client keeps trying in the background, requests fail at the deadline.
    client = newBusClient(natsUrl, 300);
    const startedAt = Date.now();
    await expect(client.request(S.echo, {})).rejects.toBeInstanceOf(TemporarilyUnavailable);
    expect(Date.now() - startedAt).toBeLessThan(1300);
    await expect(client.ping(200)).resolves.toBe(false);

    nats = await startNatsServer(port);
    replica = await startReplica(natsUrl, 'solo', []);
    await until(
      async () =>
        client!.request(S.echo, {}).then(
          () => true,
          () => false,
        ),
      10_000,
    );
    expect(client.isConnected()).toBe(true);

    // NATS goes away: requests fail fast-ish, never later than the deadline.
    await stopNatsServer(nats);
    await until(() => !client!.isConnected(), 5000);
    const downAt = Date.now();
    await expect(client.request(S.echo, {})).rejects.toBeInstanceOf(TemporarilyUnavailable);
    await expect(client.emit(S.happened, {})).rejects.toBeInstanceOf(TemporarilyUnavailable);
    // Both together, well under two deadlines: ClientNats rejects at once while disconnected.
    expect(Date.now() - downAt).toBeLessThan(300);

    // NATS comes back: client and server reconnect (and resubscribe) without help.
    nats = await startNatsServer(port);
    await until(
      async () =>
        client!.request(S.echo, {}).then(
          () => true,
          () => false,
        ),
      15_000,
    );
    expect(client.isConnected()).toBe(true);
    await expect(client.ping()).resolves.toBe(true);
  }, 40_000);
});
