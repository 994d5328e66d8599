import { AsyncLocalStorage } from 'node:async_hooks';
import { Controller, Inject, type INestMicroservice, Logger } from '@nestjs/common';
import {
  Ctx,
  EventPattern,
  MessagePattern,
  type NatsContext,
  Payload,
  RpcException,
  ServerNats,
} from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import {
  InvalidGrant,
  InvalidScope,
  OAuthError,
  ServerError,
  TemporarilyUnavailable,
} from '@latchkey/oauth';
import {
  applyBusEnhancers,
  BroadcastEventPattern,
  BusClient,
  connectBus,
  InProcessBus,
  InProcessClient,
  InProcessServer,
  microserviceOptions,
  REQUEST_ID_HEADER,
  RequestContext,
  type TransportHeaders,
  TransportModule,
} from '@latchkey/transport';
import { subjectMatches } from './nats-subject';
import { NO_PAYLOAD, type PayloadRule } from '@latchkey/contracts';

/** These specs test the transport, not the wire contract: every test subject takes any payload. */
const ANY_PAYLOAD: Readonly<Record<string, PayloadRule>> = new Proxy({}, { get: () => NO_PAYLOAD });

const REPLICA = 'REPLICA';
const RECORDER = 'RECORDER';

interface Delivery {
  replica: string;
  subject: string;
  data: unknown;
  requestId?: string;
}

/** Stands in for whatever the handler would touch: a test-local AsyncLocalStorage. */
const callerStore = new AsyncLocalStorage<string>();

@Controller()
class TestController {
  constructor(
    @Inject(REPLICA) private readonly replica: string,
    @Inject(RECORDER) private readonly recorder: Delivery[],
  ) {}

  @MessagePattern('test.echo')
  echo(@Payload() data: unknown, @Ctx() ctx: NatsContext) {
    this.recorder.push({ replica: this.replica, subject: ctx.getSubject(), data });
    return {
      data,
      at: new Date('2024-01-02T03:04:05.000Z'),
      replica: this.replica,
      requestId: RequestContext.requestId(),
      header: (ctx.getHeaders() as TransportHeaders).get(REQUEST_ID_HEADER),
      deadline: RequestContext.deadline() ?? null,
      callerStore: callerStore.getStore() ?? null,
    };
  }

  @MessagePattern('test.mutate')
  mutate(@Payload() data: { items: string[] }) {
    data.items.push('added by handler');
    return data;
  }

  @MessagePattern('test.nothing')
  nothing(): void {}

  @MessagePattern('test.invalid-grant')
  invalidGrant() {
    throw new InvalidGrant('authorization code was already used');
  }

  @MessagePattern('test.rpc-exception')
  async rpcException() {
    throw new RpcException(new InvalidScope('scope admin is not allowed'));
  }

  @MessagePattern('test.crash')
  async crash() {
    throw new Error('connection to postgres://user:hunter2@db failed');
  }

  @MessagePattern('test.slow')
  async slow() {
    // Unref: the test must not wait for (or be kept alive by) the answer it gave up on.
    await new Promise((resolve) => setTimeout(resolve, 2000).unref());
    return 'late';
  }

  @MessagePattern('test.wild.*')
  wildcard(@Ctx() ctx: NatsContext) {
    return ctx.getSubject();
  }

  // Nest 12 types a string-literal EventPattern as `(data, ...args: unknown[])`; the explicit type
  // argument picks the untyped overload so that the handler can declare a typed context.
  @EventPattern<string>('test.happened')
  happened(@Payload() data: unknown, @Ctx() ctx: NatsContext) {
    this.recorder.push({
      replica: this.replica,
      subject: ctx.getSubject(),
      data,
      requestId: RequestContext.requestId(),
    });
  }

  @BroadcastEventPattern('test.changed')
  changed(@Payload() data: unknown, @Ctx() ctx: NatsContext) {
    this.recorder.push({ replica: this.replica, subject: ctx.getSubject(), data });
  }
}

async function startReplica(
  bus: InProcessBus,
  replica: string,
  recorder: Delivery[],
  service = 'token',
): Promise<INestMicroservice> {
  const moduleRef = await Test.createTestingModule({
    controllers: [TestController],
    providers: [
      { provide: REPLICA, useValue: replica },
      { provide: RECORDER, useValue: recorder },
    ],
  }).compile();
  const microservice = moduleRef.createNestMicroservice({
    strategy: new InProcessServer({ service, bus }),
  });
  applyBusEnhancers(microservice, ANY_PAYLOAD);
  await microservice.listen();
  return microservice;
}

async function until(condition: () => boolean, timeoutMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('in-process transport', () => {
  let bus: InProcessBus;
  let recorder: Delivery[];
  let server: INestMicroservice;
  let client: BusClient;

  beforeEach(async () => {
    bus = new InProcessBus();
    recorder = [];
    server = await startReplica(bus, 'a', recorder);
    client = new BusClient(new InProcessClient({ bus }), { timeoutMs: 1000 });
  });

  afterEach(async () => {
    await client.close();
    await server.close();
    jest.restoreAllMocks();
  });

  it('answers a request through a JSON round trip, as the wire would', async () => {
    const sent = { when: new Date('2030-01-01T00:00:00.000Z'), nested: { n: 1 } };
    const reply = await client.request<{ data: { when: unknown }; at: unknown }>('test.echo', sent);
    expect(reply.data).toEqual({ when: '2030-01-01T00:00:00.000Z', nested: { n: 1 } });
    expect(reply.at).toBe('2024-01-02T03:04:05.000Z');
    expect(recorder[0].data).not.toBe(sent);
  });

  it('shares no object between caller and handler', async () => {
    const sent = { items: ['original'] };
    const reply = await client.request<{ items: string[] }>('test.mutate', sent);
    expect(sent.items).toEqual(['original']);
    expect(reply.items).toEqual(['original', 'added by handler']);
  });

  it('resolves undefined when the handler returns nothing', async () => {
    await expect(client.request('test.nothing', {})).resolves.toBeUndefined();
  });

  it('routes wildcard subscriptions as NATS does', async () => {
    await expect(client.request('test.wild.card', {})).resolves.toBe('test.wild.card');
    expect(subjectMatches('a.*.c', 'a.b.c')).toBe(true);
    expect(subjectMatches('a.>', 'a.b.c')).toBe(true);
    expect(subjectMatches('a.>', 'a')).toBe(false);
    expect(subjectMatches('a.*', 'a.b.c')).toBe(false);
  });

  it('rebuilds an OAuthError thrown by the handler as the same subclass', async () => {
    const error = await client.request('test.invalid-grant', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidGrant);
    expect(error).toMatchObject({
      status: 400,
      error: 'invalid_grant',
      description: 'authorization code was already used',
    });
  });

  it('unwraps an OAuthError carried by an RpcException', async () => {
    const error = await client.request('test.rpc-exception', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidScope);
    expect((error as OAuthError).description).toBe('scope admin is not allowed');
  });

  it('turns any other error into a generic ServerError and logs the detail on the server', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const error = await client.request('test.crash', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ status: 500, description: 'an unexpected error occurred' });
    expect(JSON.stringify(error)).not.toContain('hunter2');
    expect((error as Error).message).not.toContain('hunter2');
    expect(logged.mock.calls.flat().join(' ')).toContain('hunter2');
  });

  it('fails at once with TemporarilyUnavailable when nobody handles the subject', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const startedAt = Date.now();
    const error = await client
      .request('test.nobody', {}, { timeoutMs: 5000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TemporarilyUnavailable);
    expect((error as OAuthError).status).toBe(503);
    expect(Date.now() - startedAt).toBeLessThan(1000);
  });

  it('fails with TemporarilyUnavailable at the deadline, and logs why without telling the caller', async () => {
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const startedAt = Date.now();
    const error = await client.request('test.slow', {}, { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TemporarilyUnavailable);
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(warned.mock.calls.flat().join(' ')).toContain('test.slow');
    expect((error as OAuthError).description).not.toContain('test.slow');
  });

  it('carries the request id to the handler in a header, and nothing else from the caller context', async () => {
    const reply = await callerStore.run('caller state', () =>
      RequestContext.run({ requestId: 'req-42' }, () =>
        client.request<{ requestId: string; header: string; callerStore: unknown }>(
          'test.echo',
          {},
        ),
      ),
    );
    expect(reply.requestId).toBe('req-42');
    expect(reply.header).toBe('req-42');
    expect(reply.callerStore).toBeNull();
  });

  it('carries the deadline: the bus timeout, or the earlier deadline of the request served', async () => {
    const before = Date.now();
    const own = await client.request<{ deadline: number }>('test.echo', {});
    expect(own.deadline).toBeGreaterThanOrEqual(before + 1000);
    expect(own.deadline).toBeLessThanOrEqual(Date.now() + 1000);
    const inherited = before + 500;
    const reply = await RequestContext.run({ requestId: 'r', deadline: inherited }, () =>
      client.request<{ deadline: number }>('test.echo', {}),
    );
    expect(reply.deadline).toBe(inherited);
  });

  it('drops a request whose caller gave up before its handler runs: nothing is done', async () => {
    const sent = new InProcessClient({ bus });
    const { DEADLINE_HEADER, createHeaders } = await import('@latchkey/transport');
    const { NatsRecordBuilder } = await import('@nestjs/microservices');
    const { lastValueFrom } = await import('rxjs');
    const stale = new NatsRecordBuilder({ n: 1 })
      .setHeaders(createHeaders({ [DEADLINE_HEADER]: String(Date.now() - 1) }))
      .build();
    await sent.connect();
    const answer = lastValueFrom(sent.send('test.echo', stale));
    await expect(answer).rejects.toMatchObject({ error: 'temporarily_unavailable' });
    expect(recorder).toEqual([]);
    await sent.close();
  });

  it('sends nothing for a caller that already gave up', async () => {
    const gone = new AbortController();
    gone.abort();
    await expect(
      RequestContext.run({ requestId: 'r', signal: gone.signal }, () =>
        client.request('test.echo', {}),
      ),
    ).rejects.toBeInstanceOf(TemporarilyUnavailable);
    expect(recorder).toEqual([]);
  });

  it('gives the handler a fresh request id when the caller has none', async () => {
    const reply = await client.request<{ requestId: string; header: string }>('test.echo', {});
    expect(reply.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(reply.header).toBe('');
  });

  it('delivers events to their handlers, with the request id', async () => {
    await RequestContext.run({ requestId: 'req-event' }, () =>
      client.emit('test.happened', { id: 1, at: new Date(0) }),
    );
    await until(() => recorder.length === 1);
    expect(recorder[0]).toEqual({
      replica: 'a',
      subject: 'test.happened',
      data: { id: 1, at: '1970-01-01T00:00:00.000Z' },
      requestId: 'req-event',
    });
  });

  it('accepts an event nobody listens to, as NATS does', async () => {
    await expect(client.emit('test.unheard', {})).resolves.toBeUndefined();
  });

  describe('with replicas and several services', () => {
    let others: INestMicroservice[];

    beforeEach(async () => {
      others = [
        await startReplica(bus, 'b', recorder),
        await startReplica(bus, 'gateway', recorder, 'gateway'),
      ];
    });

    afterEach(async () => {
      for (const other of others) await other.close();
    });

    it('spreads requests over the replicas of a service, one answer each', async () => {
      // The gateway "service" also answers test.echo: requests reach one replica per service.
      const replies = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          client.request<{ replica: string }>('test.echo', { i }),
        ),
      );
      expect(replies).toHaveLength(20);
      const tokenDeliveries = recorder.filter((d) => d.replica === 'a' || d.replica === 'b');
      expect(tokenDeliveries).toHaveLength(20);
      expect(tokenDeliveries.filter((d) => d.replica === 'a').length).toBeGreaterThan(0);
      expect(tokenDeliveries.filter((d) => d.replica === 'b').length).toBeGreaterThan(0);
    });

    it('gives a queued event to one replica per service, a broadcast event to every replica', async () => {
      await client.emit('test.happened', { n: 1 });
      await until(() => recorder.length === 2);
      expect(recorder.map((d) => d.replica).sort()).toEqual(
        expect.arrayContaining(['gateway', expect.stringMatching(/^[ab]$/)]),
      );

      recorder.length = 0;
      await client.emit('test.changed', { clientId: 'c1' });
      await until(() => recorder.length === 3);
      expect(recorder.map((d) => d.replica).sort()).toEqual(['a', 'b', 'gateway']);
    });
  });

  it('reports the bus as connected and pingable until closed', async () => {
    await client.request('test.echo', {});
    expect(client.isConnected()).toBe(true);
    await expect(client.ping()).resolves.toBe(true);
    await client.close();
    expect(client.isConnected()).toBe(false);
    await expect(client.ping()).resolves.toBe(false);
  });
});

describe('TransportModule and connectBus (embedded mode)', () => {
  it('provides BusClient and serves a hybrid app through the shared bus with the RPC filter', async () => {
    const recorder: Delivery[] = [];
    const moduleRef = await Test.createTestingModule({
      imports: [TransportModule.forRoot({ service: 'token', timeoutMs: 1000 })],
      controllers: [TestController],
      providers: [
        { provide: REPLICA, useValue: 'hybrid' },
        { provide: RECORDER, useValue: recorder },
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    connectBus(app, { service: 'token', payloadRules: ANY_PAYLOAD });
    await app.startAllMicroservices();
    await app.init();
    try {
      const bus = app.get(BusClient);
      const reply = await RequestContext.run({ requestId: 'req-hybrid' }, () =>
        bus.request<{ replica: string; requestId: string }>('test.echo', {}),
      );
      expect(reply).toMatchObject({ replica: 'hybrid', requestId: 'req-hybrid' });
      await expect(bus.request('test.invalid-grant', {})).rejects.toBeInstanceOf(InvalidGrant);
      await expect(bus.request('test.crash', {})).rejects.toBeInstanceOf(ServerError);
      expect(bus.isConnected()).toBe(true);
      await expect(bus.ping()).resolves.toBe(true);
    } finally {
      await app.close();
    }
  });

  it('builds NATS options with the service as queue group, or the in-process strategy', () => {
    const nats = microserviceOptions({ service: 'audit', natsUrl: 'nats://a:4222,nats://b:4222' });
    expect(nats.strategy).toBeInstanceOf(ServerNats);
    expect(nats.strategy as unknown as { options: unknown }).toMatchObject({
      options: {
        servers: ['nats://a:4222', 'nats://b:4222'],
        queue: 'audit',
        gracefulShutdown: true,
        gracePeriod: 5000,
        waitOnFirstConnect: true,
        maxReconnectAttempts: -1,
      },
    });
    const embedded = microserviceOptions({ service: 'audit' });
    expect('strategy' in embedded && embedded.strategy).toBeInstanceOf(InProcessServer);
  });
});
