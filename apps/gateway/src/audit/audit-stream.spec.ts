import { KV_TOKEN, MemoryKvStore } from '@latchkey/kv';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  type AuditChainRecord,
  type AuditExportRequest,
  AuditSubjects,
  ClientSubjects,
  TokenSubjects,
} from '@latchkey/contracts';
import { InvalidRequest, TemporarilyUnavailable } from '@latchkey/oauth';
import { AuditClient } from '@latchkey/audit-client';
import { oauthErrorBody, RecordingAuditClient } from '@latchkey/testing';
import { createParser } from 'eventsource-parser';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { AccessTokenVerifier } from '../auth/access-token.verifier';
import { AdminGuard } from '../auth/admin.guard';
import {
  jwksOf,
  signAccessToken,
  testKey,
  tokenClientLookup,
} from '../fixtures/access-token.fixture';
import { FakeBus } from '../fixtures/fake-bus.fixture';
import { startHttpApp } from '../fixtures/http-app.fixture';
import { JwksService } from '../well-known/jwks.service';
import { AdminAuditController } from './audit.controller';
import { AdminAuditService } from './audit.service';
import { AUDIT_STREAM_CONFIG, AuditStreamService } from './audit-stream.service';

function record(seq: number, type = 'token.issued', clientId = 'app-1'): AuditChainRecord {
  return {
    seq,
    prev_hash: String(seq - 1).padStart(64, '0'),
    hash: String(seq).padStart(64, '0'),
    event: {
      specversion: '1.0',
      id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
      source: 'token',
      type: type as AuditChainRecord['event']['type'],
      time: '2030-01-01T00:00:00.000Z',
      subject: clientId,
      datacontenttype: 'application/json',
      data: { client_id: clientId },
    },
  };
}

interface Received {
  ids: string[];
  seqs: number[];
  comments: number;
  status: number;
  close(): void;
}

/** An SSE client over a real socket (supertest would buffer the endless body). */
async function open(
  base: string,
  token: string,
  headers: Record<string, string> = {},
  query = '',
): Promise<Received> {
  const controller = new AbortController();
  const response = await fetch(`${base}/admin/audit/stream${query}`, {
    headers: { authorization: token, ...headers },
    signal: controller.signal,
  });
  const received: Received = {
    ids: [],
    seqs: [],
    comments: 0,
    status: response.status,
    close: () => controller.abort(),
  };
  if (response.status !== 200) {
    await response.body?.cancel();
    return received;
  }
  const parser = createParser({
    onEvent: (message) => {
      received.ids.push(message.id ?? '');
      received.seqs.push((JSON.parse(message.data) as { seq: number }).seq);
    },
    onComment: () => (received.comments += 1),
  });
  void (async () => {
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        parser.feed(new TextDecoder().decode(chunk));
      }
    } catch {
      // Closed by the test.
    }
  })();
  return received;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('GET /admin/audit/stream (Server-Sent Events)', () => {
  let bus: FakeBus;
  let app: NestExpressApplication;
  let base: string;
  let admin: string;
  /** What the audit service has stored, oldest first. */
  let stored: AuditChainRecord[];
  let exportAnswer: (data: AuditExportRequest) => unknown;

  beforeAll(async () => {
    const key = await testKey('k1');
    bus = new FakeBus()
      .on(ClientSubjects.Get, tokenClientLookup)
      .on(TokenSubjects.Jwks, () => jwksOf(key))
      .on(AuditSubjects.Query, () => ({
        items: stored.slice(-1).map((r) => ({ ...r.event, seq: r.seq })),
        next_cursor: null,
      }))
      .on(AuditSubjects.Export, (data) => exportAnswer(data as AuditExportRequest));
    app = await startHttpApp(
      {
        controllers: [AdminAuditController],
        providers: [
          AdminAuditService,
          AuditStreamService,
          { provide: AUDIT_STREAM_CONFIG, useValue: { maxConnections: 2, heartbeatSeconds: 1 } },
          AdminGuard,
          AccessTokenVerifier,
          JwksService,
          { provide: KV_TOKEN, useValue: new MemoryKvStore({ sweepIntervalMs: 0 }) },
          // The guard records refused admin requests (admin_access.denied).
          { provide: AuditClient, useValue: new RecordingAuditClient('gateway') },
        ],
      },
      bus,
    );
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    admin = `Bearer ${await signAccessToken({ key })}`;
  });

  beforeEach(() => {
    stored = [record(1), record(2), record(3)];
    // Like the audit service: rows after after_seq matching the filters, a page at a time.
    exportAnswer = (data) => {
      const items = stored
        .filter((r) => r.seq > (data.after_seq ?? 0))
        .filter((r) => data.type === undefined || r.event.type === data.type)
        .slice(0, data.limit ?? 500);
      return { items, next_cursor: null };
    };
  });

  afterAll(() => app.close());

  it('starts after the newest event, then sends each new one with its seq as id', async () => {
    const tail = await open(base, admin);
    try {
      expect(tail.status).toBe(200);
      stored.push(record(4), record(5));
      await until(() => tail.seqs.length === 2, 'two events');
      expect(tail.seqs).toEqual([4, 5]);
      expect(tail.ids).toEqual(['4', '5']);
    } finally {
      tail.close();
    }
  });

  it('resumes after Last-Event-ID without repeating or skipping', async () => {
    const tail = await open(base, admin, { 'Last-Event-ID': '1' });
    try {
      await until(() => tail.seqs.length === 2, 'the stored events after 1');
      stored.push(record(4));
      await until(() => tail.seqs.length === 3, 'the new event');
      expect(tail.seqs).toEqual([2, 3, 4]);
    } finally {
      tail.close();
    }
  });

  it('passes the filters to every request and sends heartbeats while quiet', async () => {
    bus.requests.length = 0;
    const tail = await open(
      base,
      admin,
      { 'Last-Event-ID': '0' },
      '?type=login.failed&client_id=app-9',
    );
    try {
      await until(() => tail.comments >= 1, 'a heartbeat');
      expect(tail.seqs).toEqual([]);
      const asked = bus.requestsFor(AuditSubjects.Export) as AuditExportRequest[];
      expect(asked.length).toBeGreaterThan(1);
      for (const data of asked) {
        expect(data).toMatchObject({ type: 'login.failed', client_id: 'app-9' });
      }
    } finally {
      tail.close();
    }
  });

  it('answers a bad filter or Last-Event-ID with 400 before streaming', async () => {
    exportAnswer = () => {
      throw new InvalidRequest('type must be an audit event type such as token.issued');
    };
    const bad = await request(app.getHttpServer())
      .get('/admin/audit/stream?type=bad')
      .set('Authorization', admin);
    expect(bad.status).toBe(400);
    expect(oauthErrorBody(bad).error).toBe('invalid_request');
    const badId = await request(app.getHttpServer())
      .get('/admin/audit/stream')
      .set('Authorization', admin)
      .set('Last-Event-ID', 'abc');
    expect(badId.status).toBe(400);
    expect(oauthErrorBody(badId).error_description).toBe(
      'Last-Event-ID must be a positive integer',
    );
  });

  it('answers 503 when the audit service is down at the start', async () => {
    exportAnswer = () => {
      throw new TemporarilyUnavailable();
    };
    const res = await request(app.getHttpServer())
      .get('/admin/audit/stream')
      .set('Authorization', admin);
    expect(res.status).toBe(503);
  });

  it('refuses a stream beyond the limit with 429 and frees the slot when a client leaves', async () => {
    const first = await open(base, admin);
    const second = await open(base, admin);
    expect([first.status, second.status]).toEqual([200, 200]);
    const refused = await request(app.getHttpServer())
      .get('/admin/audit/stream')
      .set('Authorization', admin);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(oauthErrorBody(refused).error).toBe('temporarily_unavailable');
    first.close();
    second.close();
    // The server notices the closed sockets shortly after.
    const deadline = Date.now() + 10_000;
    let again = await open(base, admin);
    while (again.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      again = await open(base, admin);
    }
    expect(again.status).toBe(200);
    again.close();
  });

  it('requires the admin token', async () => {
    const res = await request(app.getHttpServer()).get('/admin/audit/stream');
    expect(res.status).toBe(401);
  });
});
