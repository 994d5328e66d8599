/**
 * The audit pipeline in distributed mode, on real backends: an emitting service's outbox relay
 * publishes to JetStream (a private nats-server with JetStream, a stream and subjects of this run's
 * own), the audit service's durable consumer stores the events in a hash chain on Postgres.
 */
import { rmSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import {
  AuditClient,
  AuditClientModule,
  auditOutboxMigration,
  AuditOutboxRepository,
  OutboxRelay,
} from '@latchkey/audit-client';
import {
  AUDIT_EVENT_CATALOGUE,
  type AuditEvent,
  auditSubject,
  Services,
} from '@latchkey/contracts';
import { PersistenceModule, silentLogger } from '@latchkey/persistence';
import {
  createTestDatabase,
  describeWithBackends,
  startTestNats,
  type TestNats,
  uniqueSuffix,
} from '@latchkey/testing';
import { TransportModule } from '@latchkey/transport';
import type { DataSource } from 'typeorm';
import { AUDIT_PERSISTENCE } from './audit.persistence';
import { AuditChain } from './chain/audit-chain.service';
import { ChainModule } from './chain/chain.module';
import { AuditStreamConsumer } from './consumer/audit-stream.consumer';
import {
  ensureAuditConsumer,
  ensureAuditStream,
  type AuditStreamSettings,
} from './consumer/audit-stream';
import { ConsumerModule } from './consumer/consumer.module';
import {
  checkpointPrivateJwk,
  FIXTURE_SIGNING_KEYS,
  FIXTURE_TRUSTED_KEYS,
  storedRows,
  TEST_AUDIT_ISSUER,
  withTriggersDisabled,
} from './fixtures/audit-app.fixture';
import { CheckpointsModule } from './checkpoints/checkpoints.module';
import { QueryModule } from './query/query.module';

jest.setTimeout(90_000);

const run = uniqueSuffix();
const STREAM = `AUDIT_TEST_${run}`.toUpperCase();
const PREFIX = `audit_test_${run}.`;
const CONSUMER = 'audit-store';
const DAY_MS = 24 * 3600 * 1000;

describeWithBackends(['postgres', 'nats'], 'audit pipeline on JetStream and Postgres', () => {
  let nats: TestNats;
  let db: { url: string; drop: () => Promise<void> };
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let emitter: { app: INestApplication; audit: AuditClient; relay: OutboxRelay; ds: DataSource };
  let auditService: { app: INestApplication; ds: DataSource; chain: AuditChain } | undefined;
  const recorded: AuditEvent[] = [];

  async function startEmitter() {
    const moduleRef = await Test.createTestingModule({
      imports: [
        TransportModule.forRoot({ service: Services.Token, natsUrl: nats.url }),
        PersistenceModule.forRoot({ databaseUrl: db.url, logger: silentLogger }),
        PersistenceModule.forService({
          schema: 'token',
          entities: [],
          migrations: [auditOutboxMigration('token')],
        }),
        AuditClientModule.forService({
          service: Services.Token,
          issuer: 'https://id.example.test',
          schema: 'token',
          natsUrl: nats.url,
          signingKey: FIXTURE_SIGNING_KEYS.token,
          streamName: STREAM,
          subjectPrefix: PREFIX,
          publishTimeoutMs: 2000,
          relay: { pollIntervalMs: 100, initialBackoffMs: 50, maxBackoffMs: 500 },
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return {
      app,
      audit: app.get(AuditClient),
      relay: app.get(OutboxRelay),
      ds: app.get<DataSource>(getDataSourceToken()),
    };
  }

  async function startAuditService() {
    const moduleRef = await Test.createTestingModule({
      imports: [
        PersistenceModule.forRoot({ databaseUrl: db.url, logger: silentLogger }),
        PersistenceModule.forService(AUDIT_PERSISTENCE),
        ChainModule,
        ConsumerModule.forRoot({
          natsUrl: nats.url,
          trustedKeys: FIXTURE_TRUSTED_KEYS,
          streamName: STREAM,
          subjectPrefix: PREFIX,
          retryDelayMs: 200,
        }),
        // The query answers need the checkpoints (none are taken here: interval 0).
        CheckpointsModule.forRoot({
          issuer: TEST_AUDIT_ISSUER,
          checkpointKey: checkpointPrivateJwk(),
          previousCheckpointKeys: [],
          checkpointIntervalSeconds: 0,
          eventKeys: FIXTURE_TRUSTED_KEYS,
        }),
        QueryModule,
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    await app.get(AuditStreamConsumer).ready();
    return { app, ds: app.get<DataSource>(getDataSourceToken()), chain: app.get(AuditChain) };
  }

  const storedIds = async () => (await storedRows(auditService!.ds)).map((row) => row.id);
  const streamMessages = async () => (await jsm.streams.info(STREAM)).state.messages;
  const consumerIdle = async () => {
    const info = await jsm.consumers.info(STREAM, CONSUMER);
    return info.num_pending === 0 && info.num_ack_pending === 0;
  };
  const outboxEmpty = async () =>
    (await new AuditOutboxRepository('token').count(emitter.ds.manager)) === 0;

  async function until(condition: () => Promise<boolean> | boolean, what: string): Promise<void> {
    for (let i = 0; i < 300; i++) {
      if (await condition()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`timed out waiting until ${what}`);
  }

  async function record(type: AuditEvent['type'], n: number): Promise<AuditEvent> {
    // The catalogue's own example: a valid event of its type (the audit service checks schemas).
    const example: Record<string, unknown> = { ...AUDIT_EVENT_CATALOGUE[type].example };
    delete example.actor;
    const event = await emitter.audit.record(type, {
      subject: `app-${n}`,
      data: { ...example, client_id: `app-${n}` },
    });
    recorded.push(event);
    return event;
  }

  beforeAll(async () => {
    nats = await startTestNats({ jetstream: true });
    db = await createTestDatabase('audit');
    nc = await connect({ servers: nats.url });
    jsm = await jetstreamManager(nc);
    auditService = await startAuditService();
    emitter = await startEmitter();
  });

  afterAll(async () => {
    await emitter?.app.close();
    await auditService?.app.close();
    await jsm?.streams.delete(STREAM).catch(() => undefined);
    await nc?.close();
    await nats?.stop();
    rmSync(`/tmp/latchkey-test-nats-${nats?.port}`, { recursive: true, force: true });
    await db?.drop();
  });

  it('creates the stream and the durable consumer as specified, idempotently for several replicas', async () => {
    const stream = await jsm.streams.info(STREAM);
    expect(stream.config).toMatchObject({
      subjects: [`${PREFIX}*.*`],
      storage: 'file',
      retention: 'limits',
      max_age: 30 * 24 * 3600 * 1e9,
      duplicate_window: 120 * 1e9,
    });
    const consumer = await jsm.consumers.info(STREAM, CONSUMER);
    expect(consumer.config).toMatchObject({
      durable_name: CONSUMER,
      ack_policy: 'explicit',
      deliver_policy: 'all',
      ack_wait: 30 * 1e9,
      max_deliver: -1,
    });
    const settings: AuditStreamSettings = {
      streamName: STREAM,
      deadLetterStreamName: `${STREAM}_DEAD_LETTER`,
      subjectPrefix: PREFIX,
      consumerName: CONSUMER,
      replicas: 1,
      retention: 'limits',
      maxAgeMs: 30 * DAY_MS,
      duplicateWindowMs: 120_000,
      ackWaitMs: 30_000,
    };
    // Three replicas starting at once: no error, and nothing to change.
    await expect(
      Promise.all([1, 2, 3].map(() => ensureAuditStream(jsm, settings))),
    ).resolves.toEqual(['existing', 'existing', 'existing']);
    await Promise.all([1, 2, 3].map(() => ensureAuditConsumer(jsm, settings)));
    expect((await jsm.streams.info(STREAM)).config.max_age).toBe(30 * 24 * 3600 * 1e9);
    expect((await jsm.consumers.list(STREAM).next()).map((c) => c.name)).toEqual([CONSUMER]);
  });

  it('brings an existing stream to a changed configuration (AUDIT_STREAM_*) at the next start', async () => {
    const settings: AuditStreamSettings = {
      streamName: STREAM,
      deadLetterStreamName: `${STREAM}_DEAD_LETTER`,
      subjectPrefix: PREFIX,
      consumerName: CONSUMER,
      replicas: 1,
      retention: 'limits',
      maxAgeMs: 7 * DAY_MS,
      duplicateWindowMs: 120_000,
      ackWaitMs: 30_000,
    };
    await expect(ensureAuditStream(jsm, settings)).resolves.toBe('updated');
    expect((await jsm.streams.info(STREAM)).config).toMatchObject({
      max_age: 7 * 24 * 3600 * 1e9,
    });
    // Back to what the suite's audit service runs with.
    const original = { ...settings, maxAgeMs: 30 * DAY_MS };
    await expect(ensureAuditStream(jsm, original)).resolves.toBe('updated');
    await expect(ensureAuditStream(jsm, original)).resolves.toBe('existing');
  });

  it('publishes through the relay; the consumer stores every event in order and the chain verifies', async () => {
    for (let n = 1; n <= 5; n++) await record(n % 2 ? 'token.issued' : 'client.updated', n);
    await until(async () => (await storedIds()).length === 5, 'five events are stored');
    expect(await storedIds()).toEqual(recorded.map((event) => event.id));
    const rows = await storedRows(auditService!.ds);
    // Stored as signed: the chain covers the signature too.
    const { sig, ...signedPart } = rows[0].event as AuditEvent & { sig?: string };
    expect(signedPart).toEqual({ ...recorded[0], sigkid: FIXTURE_SIGNING_KEYS.token.kid });
    expect(sig).toMatch(/^[\w-]{86}$/);
    await until(outboxEmpty, 'the outbox is empty');
    expect(await streamMessages()).toBe(5);
    await expect(auditService!.chain.verify()).resolves.toMatchObject({ valid: true, checked: 5 });
  });

  it('drops a republished message id (JetStream duplicate window) and stores a late copy once', async () => {
    const js = jetstream(nc);
    const first = recorded[0];
    const ack = await js.publish(auditSubject(first.type, PREFIX), JSON.stringify(first), {
      msgID: first.id,
    });
    expect(ack.duplicate).toBe(true);
    expect(await streamMessages()).toBe(5);
    // A copy outside the window (another msgID) reaches the consumer, which skips the known id.
    await js.publish(auditSubject(first.type, PREFIX), JSON.stringify(first), {
      msgID: `${first.id}-late`,
    });
    expect(await streamMessages()).toBe(6);
    await until(consumerIdle, 'the copy is consumed');
    expect(await storedIds()).toEqual(recorded.map((event) => event.id));
  });

  it('terminates a malformed message and carries on', async () => {
    const js = jetstream(nc);
    await js.publish(`${PREFIX}token.issued`, 'not json');
    await js.publish(`${PREFIX}token.issued`, JSON.stringify({ specversion: '0.3' }));
    const next = await record('token.revoked', 6);
    await until(async () => (await storedIds()).includes(next.id), 'the next event is stored');
    await until(consumerIdle, 'nothing is pending or awaiting an ack');
    expect(await storedIds()).toEqual(recorded.map((event) => event.id));
  });

  it('resumes after a consumer restart without losing or repeating an event', async () => {
    await until(consumerIdle, 'the consumer is idle');
    await auditService!.app.close();
    auditService = undefined;
    // Published while nobody consumes: JetStream keeps them for the durable consumer.
    for (let n = 7; n <= 9; n++) await record('token.issued', n);
    await until(outboxEmpty, 'the relay published them');
    auditService = await startAuditService();
    await until(async () => (await storedIds()).length === recorded.length, 'all are stored');
    expect(await storedIds()).toEqual(recorded.map((event) => event.id));
    await expect(auditService.chain.verify()).resolves.toMatchObject({
      valid: true,
      checked: recorded.length,
    });
  });

  it('keeps events in the outbox while NATS is down and publishes them when it is back', async () => {
    await nats.stop();
    const during = await record('client.secret_rotated', 10);
    await until(() => emitter.relay.backingOff, 'the relay backs off');
    expect(await outboxEmpty()).toBe(false);
    await nats.restart();
    await until(async () => (await storedIds()).includes(during.id), 'the event is stored');
    await until(outboxEmpty, 'the outbox is empty');
    expect(await storedIds()).toEqual(recorded.map((event) => event.id));
  });

  it('reports the seq of a row broken in the database', async () => {
    const rows = await storedRows(auditService!.ds);
    const victim = rows[3];
    await withTriggersDisabled(
      auditService!.ds,
      `UPDATE "audit"."events" SET "event" = jsonb_set("event", '{subject}', '"someone-else"') WHERE "seq" = $1`,
      [victim.seq],
    );
    await expect(auditService!.chain.verify()).resolves.toMatchObject({
      valid: false,
      checked: 4,
      first_invalid_seq: Number(victim.seq),
      reason: 'hash_mismatch',
    });
  });
});
