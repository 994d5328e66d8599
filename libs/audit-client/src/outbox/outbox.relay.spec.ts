import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import { Logger, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import {
  type AuditEvent,
  auditSigningKeyFromSeed,
  generateAuditSigningKey,
} from '@latchkey/contracts';
import { TemporarilyUnavailable, toOAuthError } from '@latchkey/oauth';
import { PersistenceModule, silentLogger } from '@latchkey/persistence';
import { uniqueSuffix } from '@latchkey/testing';
import type { DataSource } from 'typeorm';
import { AuditClientModule } from '../audit-client.module';
import { buildAuditEvent } from '../audit-event.builder';
import { AuditClient } from '../audit.client';
import {
  AUDIT_PUBLISHER,
  AuditPublishError,
  type AuditPublisher,
} from '../publishers/audit-publisher';
import { auditOutboxMigration } from './audit-outbox.migration';
import { AuditOutboxRepository } from './audit-outbox.repository';
import { OutboxRelay, type RelaySettings } from './outbox.relay';

jest.setTimeout(60_000);

const SCHEMA = 'token';

/** A delivery target the test switches: up, down, refusing one event, or holding a publish. */
class FakeTarget implements AuditPublisher {
  readonly delivered: AuditEvent[] = [];
  attempts = 0;
  up = true;
  readonly refused = new Set<string>();
  gate?: Promise<void>;

  async publish(event: AuditEvent): Promise<void> {
    this.attempts += 1;
    if (this.gate) await this.gate;
    if (!this.up) throw new AuditPublishError('target down', true);
    if (this.refused.has(event.id)) throw new AuditPublishError('event refused', false);
    if (!this.delivered.some((known) => known.id === event.id)) this.delivered.push(event);
  }

  async close(): Promise<void> {}
}

interface Emitter {
  app: INestApplication;
  audit: AuditClient;
  relay: OutboxRelay;
  dataSource: DataSource;
  outbox: AuditOutboxRepository;
  pending: () => Promise<number>;
}

const FAST: Partial<RelaySettings> = {
  // Long poll: anything delivered promptly was delivered because something woke the relay.
  pollIntervalMs: 60_000,
  initialBackoffMs: 20,
  maxBackoffMs: 100,
  shutdownFlushMs: 5000,
};

async function startEmitter(
  target: AuditPublisher,
  options: { dataDir?: string; autoStart?: boolean; relay?: Partial<RelaySettings> } = {},
): Promise<Emitter> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      PersistenceModule.forRoot({
        dataDir: options.dataDir ?? `memory://outbox-${uniqueSuffix()}`,
        logger: silentLogger,
      }),
      PersistenceModule.forService({
        schema: SCHEMA,
        entities: [],
        migrations: [auditOutboxMigration(SCHEMA)],
      }),
      AuditClientModule.forService({
        service: 'token',
        issuer: 'https://id.example.test',
        schema: SCHEMA,
        signingKey: auditSigningKeyFromSeed('token', generateAuditSigningKey().seed),
        relay: { ...FAST, ...options.relay, autoStart: options.autoStart },
      }),
    ],
  })
    .overrideProvider(AUDIT_PUBLISHER)
    .useValue(target)
    .compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const dataSource = app.get<DataSource>(getDataSourceToken());
  const outbox = new AuditOutboxRepository(SCHEMA);
  return {
    app,
    audit: app.get(AuditClient),
    relay: app.get(OutboxRelay),
    dataSource,
    outbox,
    pending: () => outbox.count(dataSource.manager),
  };
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting until ${what}`);
}

const issued = (n: number) => ({ subject: `app-${n}`, data: { client_id: `app-${n}` } });

describe('the audit outbox and its relay', () => {
  let target: FakeTarget;
  let emitter: Emitter;

  beforeEach(() => {
    target = new FakeTarget();
  });

  afterEach(async () => {
    target.up = true;
    target.refused.clear();
    await emitter?.app.close();
    jest.restoreAllMocks();
  });

  it('writes the event to the outbox, wakes the relay, and deletes the row after the ack', async () => {
    emitter = await startEmitter(target);
    const event = await emitter.audit.record('token.issued', issued(1));
    await until(() => target.delivered.length === 1, 'the event is delivered');
    expect(target.delivered[0]).toEqual(event);
    expect(event).toMatchObject({
      source: 'https://id.example.test/token',
      type: 'token.issued',
      subject: 'app-1',
    });
    await until(async () => (await emitter.pending()) === 0, 'the row is deleted');
  });

  it('writes events recorded at the same time together once enough inserts are under way', async () => {
    emitter = await startEmitter(target);
    const insertMany = jest.spyOn(AuditOutboxRepository.prototype, 'insertMany');
    const events = await Promise.all(
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => emitter.audit.record('token.issued', issued(n))),
    );
    // The first four go at once, one insert each; the four recorded meanwhile go in together.
    expect(insertMany.mock.calls.map(([, batch]) => batch.map((e) => e.id))).toEqual([
      ...events.slice(0, 4).map((e) => [e.id]),
      events.slice(4).map((e) => e.id),
    ]);
    await until(() => target.delivered.length === 8, 'every event is delivered');
    expect(target.delivered.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort());
  });

  it('strips credentials from the data and logs their paths, never their values', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    emitter = await startEmitter(target);
    const event = await emitter.audit.record('client_authentication.failed', {
      data: { client_id: 'app', client_secret: 'hunter2', detail: { assertion: 'eyJhbGciOi' } },
    });
    expect(event.data).toEqual({
      client_id: 'app',
      detail: {},
      actor: { type: 'client', id: 'app' },
    });
    await until(() => target.delivered.length === 1, 'the event is delivered');
    expect(JSON.stringify(target.delivered)).not.toMatch(/hunter2|eyJhbGciOi/);
    const logged = warn.mock.calls.flat().join(' ');
    expect(logged).toContain('client_secret, detail.assertion');
    expect(logged).not.toMatch(/hunter2|eyJhbGciOi/);
  });

  it('records with the caller’s transaction: nothing if it rolls back, delivered once it commits', async () => {
    emitter = await startEmitter(target);
    const rolledBack = await emitter.dataSource
      .transaction(async (em) => {
        await emitter.audit.recordInTransaction(em, 'client.created', issued(1));
        throw new Error('the change failed');
      })
      .catch((err: Error) => err.message);
    expect(rolledBack).toBe('the change failed');
    expect(await emitter.pending()).toBe(0);

    const committed = await emitter.dataSource.transaction((em) =>
      emitter.audit.recordInTransaction(em, 'client.created', issued(2)),
    );
    // The poll interval is a minute: only the commit can have woken the relay.
    await until(() => target.delivered.length === 1, 'the committed event is delivered');
    expect(target.delivered).toEqual([committed]);
  });

  it('backs off while the target is down and delivers everything, in order, once it is back', async () => {
    emitter = await startEmitter(target);
    target.up = false;
    const events = [
      await emitter.audit.record('token.issued', issued(1)),
      await emitter.audit.record('token.issued', issued(2)),
      await emitter.audit.record('token.revoked', issued(3)),
    ];
    await until(() => emitter.relay.backingOff && target.attempts >= 3, 'the relay backs off');
    expect(target.delivered).toEqual([]);
    expect(await emitter.pending()).toBe(3);
    const [{ attempts }] = await emitter.dataSource.query<Array<{ attempts: number }>>(
      `SELECT max("attempts")::int AS attempts FROM "token"."audit_outbox"`,
    );
    expect(attempts).toBeGreaterThanOrEqual(1);
    // Records while backing off do not hammer the target: the backoff decides.
    target.up = true;
    await until(() => target.delivered.length === 3, 'everything is delivered');
    expect(target.delivered.map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(emitter.relay.backingOff).toBe(false);
    await until(async () => (await emitter.pending()) === 0, 'the outbox is empty');
  });

  it('retries an event the target refused later, without holding up the others', async () => {
    // The retry is due 20 ms later: a short poll picks it up.
    emitter = await startEmitter(target, { relay: { pollIntervalMs: 20 } });
    const refused = buildAuditEvent({
      issuer: 'https://id.example.test',
      service: 'token',
      type: 'token.issued',
      data: {},
    }).event;
    target.refused.add(refused.id);
    await emitter.outbox.insert(emitter.dataSource.manager, refused);
    const next = await emitter.audit.record('token.issued', issued(2));
    await until(() => target.delivered.length === 1, 'the next event is delivered');
    expect(target.delivered).toEqual([next]);
    const [row] = await emitter.dataSource.query<unknown[]>(
      `SELECT "attempts", "next_attempt_at" > now() AS "later" FROM "token"."audit_outbox" WHERE "id" = $1`,
      [refused.id],
    );
    expect(row).toEqual({ attempts: 1, later: true });
    target.refused.clear();
    await until(() => target.delivered.length === 2, 'the refused event is delivered on retry');
  });

  it('fails closed with the outage (503 at the filters) when the outbox cannot be written', async () => {
    emitter = await startEmitter(target, { autoStart: false });
    await emitter.dataSource.destroy();
    const thrown: unknown = await emitter.audit
      .record('token.issued', issued(1))
      .catch((err: unknown) => err);
    expect(thrown).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect(toOAuthError(thrown)).toBeInstanceOf(TemporarilyUnavailable);
    // Recorded together, failed together: no caller goes on as if its event were written.
    const together = await Promise.allSettled(
      [2, 3, 4].map((n) => emitter.audit.record('token.issued', issued(n))),
    );
    for (const outcome of together) {
      expect(outcome).toMatchObject({
        status: 'rejected',
        reason: expect.objectContaining({ code: 'DATABASE_UNAVAILABLE' }),
      });
    }
  });

  describe('across restarts of the emitting service (PGlite on disk)', () => {
    let dataDir: string;

    beforeEach(() => {
      dataDir = mkdtempSync(join(tmpdir(), 'latchkey-outbox-'));
    });

    afterEach(() => {
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('delivers, after a restart, what was recorded while no relay ran', async () => {
      const first = await startEmitter(target, { dataDir, autoStart: false });
      const events = [
        await first.audit.record('client.created', issued(1)),
        await first.audit.record('client.updated', issued(1)),
        await first.audit.record('client.deleted', issued(1)),
      ];
      await first.app.close();
      expect(target.delivered).toEqual([]);

      emitter = await startEmitter(target, { dataDir });
      await until(() => target.delivered.length === 3, 'the events are delivered');
      expect(target.delivered).toEqual(events);
      await until(async () => (await emitter.pending()) === 0, 'the outbox is empty');
    });

    it('flushes on shutdown what is pending, and leaves for the next start what it cannot', async () => {
      let open!: () => void;
      target.gate = new Promise((resolve) => (open = resolve));
      const first = await startEmitter(target, { dataDir });
      const held = await first.audit.record('token.issued', issued(1));
      await until(() => target.attempts === 1, 'the first publish is under way');
      const queued = [
        await first.audit.record('token.issued', issued(2)),
        await first.audit.record('token.issued', issued(3)),
      ];
      const closing = first.app.close();
      open();
      target.gate = undefined;
      await closing;
      // Once stopped only the shutdown flush delivers: the cycle under way had taken one row.
      expect(target.delivered.map((e) => e.id)).toEqual([held, ...queued].map((e) => e.id));

      // A target that never answers: shutdown gives up at its deadline; the row stays, given back
      // for the next start rather than leased for another 30 s.
      const hung = new FakeTarget();
      hung.gate = new Promise(() => undefined);
      const second = await startEmitter(hung, { dataDir, relay: { shutdownFlushMs: 200 } });
      const stuck = await second.audit.record('token.issued', issued(4));
      await until(() => hung.attempts === 1, 'the publish hangs');
      await second.app.close();

      emitter = await startEmitter(target, { dataDir });
      await until(
        () => target.delivered.length === 4,
        'the stuck event is delivered after restart',
      );
      expect(target.delivered[3]).toEqual(stuck);
    });
  });
});
