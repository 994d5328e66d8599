/**
 * Who may write history (docs/audit-consumers.md), on a private nats-server running the shipped
 * deploy/nats/nats-server.conf: only the services connect and publish audit events, and only
 * events their keys signed are stored; a message that can never be stored is dead-lettered.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { register } from 'prom-client';
import { AuditClient, AuditClientModule, auditOutboxMigration } from '@latchkey/audit-client';
import {
  AUDIT_DEAD_LETTER_STREAM,
  AUDIT_STREAM,
  type AuditEvent,
  auditSigningKeyFromSeed,
  auditSubject,
  generateAuditSigningKey,
  Services,
  signAuditEvent,
} from '@latchkey/contracts';
import { PersistenceModule, silentLogger } from '@latchkey/persistence';
import {
  createTestDatabase,
  deployNatsCredentials,
  describeWithBackends,
  haveNatsServer,
  startTestNats,
  type TestNats,
} from '@latchkey/testing';
import { natsAuthOptions, TransportModule } from '@latchkey/transport';
import type { DataSource } from 'typeorm';
import { AUDIT_PERSISTENCE } from './audit.persistence';
import { AuditChain } from './chain/audit-chain.service';
import { ChainModule } from './chain/chain.module';
import { AuditStreamConsumer } from './consumer/audit-stream.consumer';
import { ConsumerModule } from './consumer/consumer.module';
import {
  auditEvent,
  FIXTURE_SIGNING_KEYS,
  FIXTURE_TRUSTED_KEYS,
  storedRows,
} from './fixtures/audit-app.fixture';

jest.setTimeout(120_000);

if (!haveNatsServer()) console.warn('skipping the audit trust tests: no nats-server binary');

// Skipped only on a developer machine without the binary; under CI it runs, and fails, instead.
const describeTrust: typeof describeWithBackends =
  haveNatsServer() || process.env.CI === 'true'
    ? describeWithBackends
    : (_backends, name, body) => describe.skip(name, body);

describeTrust(['postgres'], 'audit trust: NATS permissions and event signatures', () => {
  const credentials = deployNatsCredentials();
  let nats: TestNats;
  let db: { url: string; drop: () => Promise<void> };
  let auditService: { app: INestApplication; ds: DataSource; chain: AuditChain };
  let emitter: { app: INestApplication; audit: AuditClient };
  /** Authenticated as the gateway: a valid NATS credential, but not the token service's key. */
  let gatewayNc: NatsConnection;
  let adminNc: NatsConnection;
  let jsm: JetStreamManager;

  const asUser = (user: keyof typeof credentials.users) =>
    natsAuthOptions({ user, password: credentials.users[user].password });

  async function until(condition: () => Promise<boolean> | boolean, what: string): Promise<void> {
    for (let i = 0; i < 600; i++) {
      if (await condition()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`timed out waiting until ${what}`);
  }

  const storedIds = async () => (await storedRows(auditService.ds)).map((row) => row.id);

  async function rejected(reason: string): Promise<number> {
    const metric = register.getSingleMetric('latchkey_audit_events_rejected_total');
    const values = (await metric?.get())?.values ?? [];
    return values.find((value) => value.labels.reason === reason)?.value ?? 0;
  }

  async function deadLetters(): Promise<number> {
    const metric = register.getSingleMetric('latchkey_audit_dead_letters_total');
    return (await metric?.get())?.values[0]?.value ?? 0;
  }

  beforeAll(async () => {
    nats = await startTestNats({ config: credentials.config });
    db = await createTestDatabase('audit_trust');
    const auditModule = await Test.createTestingModule({
      imports: [
        PersistenceModule.forRoot({ databaseUrl: db.url, logger: silentLogger }),
        PersistenceModule.forService(AUDIT_PERSISTENCE),
        ChainModule,
        ConsumerModule.forRoot({
          natsUrl: nats.url,
          natsAuth: credentials.users.audit,
          trustedKeys: FIXTURE_TRUSTED_KEYS,
          retryDelayMs: 100,
          maxDeliveries: 3,
        }),
      ],
    }).compile();
    const app = auditModule.createNestApplication({ logger: false });
    await app.init();
    await app.get(AuditStreamConsumer).ready();
    auditService = {
      app,
      ds: app.get<DataSource>(getDataSourceToken()),
      chain: app.get(AuditChain),
    };

    const emitterModule = await Test.createTestingModule({
      imports: [
        TransportModule.forRoot({
          service: Services.Token,
          natsUrl: nats.url,
          natsAuth: credentials.users.token,
        }),
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
          natsAuth: credentials.users.token,
          signingKey: FIXTURE_SIGNING_KEYS.token,
          relay: { pollIntervalMs: 100, initialBackoffMs: 50, maxBackoffMs: 500 },
        }),
      ],
    }).compile();
    const emitterApp = emitterModule.createNestApplication({ logger: false });
    await emitterApp.init();
    emitter = { app: emitterApp, audit: emitterApp.get(AuditClient) };

    gatewayNc = await connect({ servers: nats.url, ...asUser('gateway') });
    adminNc = await connect({ servers: nats.url, ...asUser('audit') });
    jsm = await jetstreamManager(adminNc);
  });

  afterAll(async () => {
    await emitter?.app.close();
    await auditService?.app.close();
    await gatewayNc?.close();
    await adminNc?.close();
    await nats?.stop();
    rmSync(`/tmp/latchkey-test-nats-${nats?.port}`, { recursive: true, force: true });
    rmSync(`/tmp/latchkey-test-nats-${nats?.port}.conf`, { force: true });
    await db?.drop();
  });

  afterEach(() => jest.restoreAllMocks());

  it('stores what a service signed and published with its own credentials', async () => {
    const event = await emitter.audit.record('token.issued', {
      subject: 'app-1',
      // A valid event of its type (the audit service checks its schema too).
      data: { client_id: 'app-1', jti: 'jti-1' },
    });
    await until(async () => (await storedIds()).includes(event.id), 'the event is stored');
    const [row] = await storedRows(auditService.ds);
    expect(row.event).toMatchObject({ id: event.id, sigkid: FIXTURE_SIGNING_KEYS.token.kid });
  });

  it('refuses, counts and never stores forged events published with a valid NATS credential', async () => {
    const js = jetstream(gatewayNc);
    const strangerKey = auditSigningKeyFromSeed('gateway', generateAuditSigningKey().seed);
    const honest = auditEvent('login.succeeded', { sub: 'alice' }, { source: 'gateway' });
    const forged: Array<[string, AuditEvent]> = [
      ['unsigned', strip(auditEvent('login.succeeded', { sub: 'mallory' }, { source: 'gateway' }))],
      ['unknown_key', signAuditEvent(strip(auditEvent('login.succeeded')), strangerKey)],
      // The token service's key does not speak for the gateway.
      [
        'wrong_source',
        signAuditEvent(
          strip(auditEvent('login.succeeded', {}, { source: 'gateway' })),
          FIXTURE_SIGNING_KEYS.token,
        ),
      ],
      // A genuine signature over other data.
      ['bad_signature', { ...honest, id: randomUUID(), data: { sub: 'mallory' } }],
    ];
    const before = new Map(
      await Promise.all(forged.map(async ([r]) => [r, await rejected(r)] as const)),
    );
    for (const [, event] of forged) {
      const ack = await js.publish(auditSubject(event.type), JSON.stringify(event), {
        msgID: event.id,
      });
      expect(ack.stream).toBe(AUDIT_STREAM);
    }
    // A genuine event after them: once it is stored, the forged ones were handled.
    await js.publish(auditSubject(honest.type), JSON.stringify(honest), { msgID: honest.id });
    await until(async () => (await storedIds()).includes(honest.id), 'the genuine event is stored');

    const ids = await storedIds();
    for (const [reason, event] of forged) {
      expect(ids).not.toContain(event.id);
      expect(await rejected(reason)).toBe(before.get(reason)! + 1);
    }
    await until(
      async () => (await jsm.consumers.info(AUDIT_STREAM, 'audit-store')).num_ack_pending === 0,
      'all are acknowledged',
    );
    await expect(auditService.chain.verify()).resolves.toMatchObject({
      valid: true,
      checked: ids.length,
    });
  });

  it('refuses a client without credentials', async () => {
    await expect(
      connect({ servers: nats.url, reconnect: false, maxReconnectAttempts: 0 }),
    ).rejects.toThrow(/authorization/i);
    await expect(
      connect({ servers: nats.url, reconnect: false, user: 'gateway', pass: 'wrong' }),
    ).rejects.toThrow(/authorization/i);
  });

  it('lets no credential but a service publish audit events or call an internal subject', async () => {
    const reader = await connect({ servers: nats.url, ...asUser('siem') });
    try {
      const denied = collectPermissionErrors(reader);
      reader.publish(
        auditSubject('login.succeeded'),
        JSON.stringify(auditEvent('login.succeeded')),
      );
      await expect(
        reader.request('clients.get', JSON.stringify({ clientId: 'x' }), { timeout: 1000 }),
      ).rejects.toThrow();
      await reader.flush();
      await until(() => denied.length >= 2, 'the server reports both violations');
      expect(denied.join('\n')).toMatch(/publish.*audit\.login\.succeeded/i);
      expect(denied.join('\n')).toMatch(/publish.*clients\.get/i);
    } finally {
      await reader.close();
    }
    // Nor may one service answer for another: the gateway cannot take the registry's requests.
    const denied = collectPermissionErrors(gatewayNc);
    gatewayNc.subscribe('clients.get');
    await gatewayNc.flush();
    await until(() => denied.length >= 1, 'the server refuses the subscription');
    expect(denied.join('\n')).toMatch(/subscription.*clients\.get/i);
  });

  it('lets a security team read the stream through its own durable consumer, read-only', async () => {
    const reader = await connect({ servers: nats.url, ...asUser('siem') });
    try {
      const readerJsm = await jetstreamManager(reader, { checkAPI: false });
      await readerJsm.consumers.add(AUDIT_STREAM, {
        durable_name: 'siem',
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
      });
      const consumer = await jetstream(reader).consumers.get(AUDIT_STREAM, 'siem');
      const message = await consumer.next({ expires: 5000 });
      expect(message?.json()).toMatchObject({
        type: 'token.issued',
        sigkid: FIXTURE_SIGNING_KEYS.token.kid,
      });
      message?.ack();
      // Deleting history is not among its rights.
      await expect(readerJsm.streams.purge(AUDIT_STREAM)).rejects.toThrow();
    } finally {
      await reader.close();
    }
  });

  it('moves a message that can never be stored to the dead-letter stream after the configured deliveries', async () => {
    const poison = auditEvent('token.revoked', { client_id: 'app-poison' });
    const next = auditEvent('token.revoked', { client_id: 'app-next' });
    const chain = auditService.app.get(AuditChain);
    const append = chain.appendMany.bind(chain);
    jest.spyOn(chain, 'appendMany').mockImplementation(async (events) => {
      if (events.some((event) => event.id === poison.id)) {
        throw new Error('value too long for type character varying(512)');
      }
      return append(events);
    });
    const before = await deadLetters();
    // Signed by the token service's key, published by a service user.
    const tokenNc = await connect({ servers: nats.url, ...asUser('token') });
    try {
      for (const event of [poison, next]) {
        await jetstream(tokenNc).publish(auditSubject(event.type), JSON.stringify(event), {
          msgID: event.id,
        });
      }
    } finally {
      await tokenNc.close();
    }
    await until(
      async () => (await deadLetters()) === before + 1,
      'the poison message is dead-lettered',
    );
    await until(async () => (await storedIds()).includes(next.id), 'the next event is stored');
    expect(await storedIds()).not.toContain(poison.id);
    const dead = await jsm.streams.getMessage(AUDIT_DEAD_LETTER_STREAM, {
      last_by_subj: 'audit.dead_letter',
    });
    expect(dead?.json()).toMatchObject({ id: poison.id });
    expect(dead?.header.get('Latchkey-Deliveries')).toBe('3');
    expect(dead?.header.get('Latchkey-Error')).toMatch(/value too long/);
    await until(
      async () => (await jsm.consumers.info(AUDIT_STREAM, 'audit-store')).num_ack_pending === 0,
      'nothing waits for an ack',
    );
    await expect(auditService.chain.verify()).resolves.toMatchObject({ valid: true });
  });
});

/** The event without its signature, as a forger without the key has it. */
function strip(event: AuditEvent): AuditEvent {
  const {
    sig: _sig,
    sigkid: _sigkid,
    ...rest
  } = event as AuditEvent & { sig?: string; sigkid?: string };
  return rest;
}

/** Permission violations the server reports asynchronously on this connection. */
function collectPermissionErrors(nc: NatsConnection): string[] {
  const seen: string[] = [];
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'error') seen.push(String((status as { error?: unknown }).error ?? ''));
    }
  })();
  return seen;
}
