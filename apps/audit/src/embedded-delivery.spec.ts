/**
 * Embedded mode end to end, in-process: an emitting service's outbox relay delivers to the real
 * audit service over the in-process bus, through the audit service being down and the emitting
 * service restarting, and the chain stores each event once.
 */
import {
  AUDIT_EVENT_CATALOGUE,
  type AuditEventData,
  type AuditEventType,
} from '@latchkey/contracts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import {
  AuditClient,
  AuditClientModule,
  auditOutboxMigration,
  AuditOutboxRepository,
  OutboxRelay,
  auditSigningKeyFor,
} from '@latchkey/audit-client';
import { loadConfig } from '@latchkey/config';
import {
  type AuditEvent,
  type AuditQueryResponse,
  AuditSubjects,
  type AuditVerifyResponse,
  Services,
  generateAuditSigningKey,
} from '@latchkey/contracts';
import { startService } from '@latchkey/platform';
import { PersistenceModule, silentLogger } from '@latchkey/persistence';
import { uniqueSuffix } from '@latchkey/testing';
import { BusClient, TransportModule } from '@latchkey/transport';
import type { DataSource } from 'typeorm';
import { AuditModule } from './audit.module';

const TOKEN_KEY = generateAuditSigningKey();
const EMBEDDED_KEYS = { auditSigningKeys: { [Services.Token]: TOKEN_KEY.seed } };

jest.setTimeout(90_000);

interface Emitter {
  app: INestApplication;
  audit: AuditClient;
  relay: OutboxRelay;
  bus: BusClient;
  dataSource: DataSource;
}

async function startEmitter(dataDir: string, autoStart = true): Promise<Emitter> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      TransportModule.forRoot({ service: Services.Token, timeoutMs: 2000 }),
      PersistenceModule.forRoot({ dataDir, logger: silentLogger }),
      PersistenceModule.forService({
        schema: 'token',
        entities: [],
        migrations: [auditOutboxMigration('token')],
      }),
      AuditClientModule.forService({
        service: Services.Token,
        issuer: 'https://id.example.test',
        schema: 'token',
        signingKey: auditSigningKeyFor(Services.Token, EMBEDDED_KEYS),
        relay: { autoStart, pollIntervalMs: 100, initialBackoffMs: 20, maxBackoffMs: 200 },
      }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return {
    app,
    audit: app.get(AuditClient),
    relay: app.get(OutboxRelay),
    bus: app.get(BusClient),
    dataSource: app.get<DataSource>(getDataSourceToken()),
  };
}

function startAuditService(): Promise<INestApplication> {
  const config = {
    ...loadConfig({ LOG_LEVEL: 'silent' }),
    dataDir: `memory://audit-delivery-${uniqueSuffix()}`,
    auditEventPublicKeys: [{ service: Services.Token, publicKey: TOKEN_KEY.publicKey }],
  };
  return startService({ service: Services.Audit, module: AuditModule.forRoot(config), config });
}

async function until(condition: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** A valid event of its type (the audit service checks schemas): the catalogue's example. */
function validData(type: AuditEventType, overrides: Record<string, unknown>): AuditEventData {
  const data: Record<string, unknown> = { ...AUDIT_EVENT_CATALOGUE[type].example, ...overrides };
  delete data.actor;
  return data as AuditEventData;
}

describe('audit delivery in embedded mode (outbox → in-process bus → chain)', () => {
  let dataDir: string;
  let emitter: Emitter | undefined;
  let auditService: INestApplication | undefined;

  const stored = async (): Promise<AuditEvent[]> => {
    const page = await emitter!.bus.request<AuditQueryResponse>(AuditSubjects.Query, {
      limit: 500,
    });
    return [...page.items].reverse();
  };
  const ids = (events: AuditEvent[]) => events.map((event) => event.id);

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'latchkey-audit-delivery-'));
  });

  afterAll(async () => {
    await emitter?.app.close();
    await auditService?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps events while the audit service is down and delivers them once it is up', async () => {
    emitter = await startEmitter(dataDir);
    const recorded = [
      await emitter.audit.record('client.created', {
        subject: 'app-1',
        data: validData('client.created', { client_id: 'app-1' }),
      }),
      await emitter.audit.record('token.issued', {
        subject: 'app-1',
        data: validData('token.issued', { client_id: 'app-1' }),
      }),
    ];
    await until(
      () => emitter!.relay.backingOff,
      'the relay backs off (nobody answers audit.ingest)',
    );
    const outbox = new AuditOutboxRepository('token');
    expect(await outbox.count(emitter.dataSource.manager)).toBe(2);

    auditService = await startAuditService();
    await until(async () => (await stored()).length === 2, 'both events are stored');
    expect(ids(await stored())).toEqual(ids(recorded));
    await until(
      async () => (await outbox.count(emitter!.dataSource.manager)) === 0,
      'the outbox is empty',
    );
  });

  it('delivers after a restart of the emitting service what it recorded before', async () => {
    await emitter!.app.close();
    const first = await startEmitter(dataDir, false);
    const recorded = [
      await first.audit.record('client.updated', {
        subject: 'app-1',
        data: validData('client.updated', { client_id: 'app-1' }),
      }),
      await first.audit.record('client.deleted', {
        subject: 'app-1',
        data: validData('client.deleted', { client_id: 'app-1' }),
      }),
    ];
    await first.app.close();

    emitter = await startEmitter(dataDir);
    await until(async () => (await stored()).length === 4, 'the events recorded before are stored');
    expect(ids((await stored()).slice(2))).toEqual(ids(recorded));
  });

  it('stores an event delivered twice once, and the chain verifies', async () => {
    const event = await emitter!.audit.record('token.revoked', {
      data: validData('token.revoked', { grant: 'g-1' }),
    });
    await until(async () => (await stored()).length === 5, 'the event is stored');
    // The relay died between the ack and the delete: the same row is delivered again.
    await new AuditOutboxRepository('token').insert(emitter!.dataSource.manager, event);
    emitter!.relay.wake();
    await until(
      async () =>
        (await new AuditOutboxRepository('token').count(emitter!.dataSource.manager)) === 0,
      'the copy is delivered',
    );
    expect(ids(await stored()).filter((id) => id === event.id)).toHaveLength(1);
    const verdict = await emitter!.bus.request<AuditVerifyResponse>(AuditSubjects.Verify, {});
    expect(verdict).toMatchObject({ valid: true, checked: 5 });
  });
});
