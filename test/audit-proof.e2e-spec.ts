/**
 * The audit log a security team can prove and follow (docs/audit.md), in both run modes:
 * signed checkpoints, `latchkey audit export` / `verify` offline, online verification, and the
 * live tail over Server-Sent Events with Last-Event-ID resumption. The platform runs on a
 * Postgres database of the test's own, so the test can tamper with stored rows as an attacker
 * with database access would.
 */
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chainHash } from '@latchkey/audit-chain';
import {
  AUDIT_GENESIS_HASH,
  type AuditChainRecord,
  type AuditKeysResponse,
  type StoredAuditEvent,
} from '@latchkey/contracts';
import { createTestDatabase, describeWithBackends } from '@latchkey/testing';
import { createParser } from 'eventsource-parser';
import { Client } from 'pg';
import { CHAIN_LOCK_KEY } from '../apps/audit/src/chain/audit-events.repository';
import { CliHarness } from '../apps/cli/src/fixtures/cli-harness';
import { callPlatform } from './support/http-call';
import {
  distributedBackends,
  type Platform,
  PLATFORM_MODES,
  startPlatform,
} from './support/platform';
import { eventually } from './support/processes';

jest.setTimeout(180_000);

/** Generous: delivery is asserted, its latency only measured and logged. */
const DELIVERY_TIMEOUT_MS = 20_000;

interface Tail {
  events: StoredAuditEvent[];
  status: number;
  close(): void;
}

/** A live tail as any SSE client reads it (fetch and an SSE parser). */
async function openTail(
  issuer: string,
  token: string,
  options: { lastEventId?: number; query?: string } = {},
): Promise<Tail> {
  const controller = new AbortController();
  const response = await fetch(`${issuer}/admin/audit/stream${options.query ?? ''}`, {
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'text/event-stream',
      ...(options.lastEventId !== undefined
        ? { 'last-event-id': String(options.lastEventId) }
        : {}),
    },
    signal: controller.signal,
  });
  const tail: Tail = { events: [], status: response.status, close: () => controller.abort() };
  if (response.status !== 200) return tail;
  const parser = createParser({
    onEvent: (message) => {
      const event = JSON.parse(message.data) as StoredAuditEvent;
      expect(message.id).toBe(String(event.seq));
      tail.events.push(event);
    },
  });
  void (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(chunk, { stream: true }));
      }
    } catch {
      // Closed by the test.
    }
  })();
  return tail;
}

describe.each(PLATFORM_MODES)('the provable, live audit log: %s mode', (mode) => {
  const block = () => {
    let platform: Platform;
    let db: Awaited<ReturnType<typeof createTestDatabase>>;
    let sql: Client;
    let token: string;
    let workDir: string;
    const cli = new CliHarness();

    beforeAll(async () => {
      db = await createTestDatabase('latchkey_e2e_audit');
      const checkpointKey = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
      platform = await startPlatform(mode, {
        DATABASE_URL: db.url,
        AUDIT_CHECKPOINT_KEY: JSON.stringify(checkpointKey),
        AUDIT_CHECKPOINT_INTERVAL_SECONDS: '1',
        AUDIT_STREAM_MAX_CONNECTIONS: '3',
        AUDIT_STREAM_HEARTBEAT_SECONDS: '1',
      });
      sql = new Client({ connectionString: db.url });
      await sql.connect();
      const answer = await callPlatform(platform.issuer, 'POST', '/token', {
        basic: platform.adminClient,
        form: { grant_type: 'client_credentials', scope: 'admin' },
      });
      expect(answer.status).toBe(200);
      token = answer.body.access_token as string;
      workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-audit-'));
      // One admin token for every command (cached with the login), so the commands add no
      // token.issued events to the log while it is being forged.
      cli.now = Date.now();
      const login = await cli.run(
        [
          'login',
          '--issuer',
          platform.issuer,
          '--client-id',
          platform.adminClient.id,
          '--client-secret-stdin',
        ],
        { stdin: platform.adminClient.secret },
      );
      expect(login).toMatchObject({ code: 0 });
    }, 240_000);

    afterAll(async () => {
      await sql?.end();
      await platform?.stop();
      await db?.drop();
      if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
    }, 90_000);

    const admin = (method: string, route: string, json?: unknown) =>
      callPlatform(platform.issuer, method, route, { token, ...(json ? { json } : {}) });
    const createClient = async (name: string) => {
      const answer = await admin('POST', '/admin/clients', {
        client_name: name,
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
      });
      expect(answer.status).toBe(201);
      return answer.body.client_id as string;
    };
    const latchkey = (...argv: string[]) => cli.run(argv);

    describe('the live tail', () => {
      it('delivers the event of an action to a tail opened before it', async () => {
        const tail = await openTail(platform.issuer, token, { query: '?type=client.created' });
        expect(tail.status).toBe(200);
        try {
          const started = Date.now();
          const clientId = await createClient('tail target');
          const answered = Date.now();
          const event = await eventually(
            async () => tail.events.find((e) => e.subject === clientId),
            { timeoutMs: DELIVERY_TIMEOUT_MS, intervalMs: 10, what: 'client.created on the tail' },
          );
          const delivered = Date.now();
          expect(event).toMatchObject({ type: 'client.created', subject: clientId });
          // Measured, not asserted: reported with the test run.
          console.log(
            `[audit tail, ${mode}] client.created delivered ${delivered - answered} ms after the 201 ` +
              `(${delivered - started} ms after the request was sent)`,
          );
          expect(tail.events.every((e) => e.type === 'client.created')).toBe(true);
        } finally {
          tail.close();
        }
      });

      it('resumes with Last-Event-ID: nothing missed, nothing repeated', async () => {
        const first = await openTail(platform.issuer, token);
        const seen = await createClient('before the break');
        const stop = await eventually(async () => first.events.find((e) => e.subject === seen), {
          timeoutMs: DELIVERY_TIMEOUT_MS,
          what: 'the first event',
        });
        first.close();
        const received = first.events.filter((e) => e.seq <= stop.seq);
        // While nobody listens.
        const missed = [await createClient('gap 1'), await createClient('gap 2')];
        const second = await openTail(platform.issuer, token, { lastEventId: stop.seq });
        try {
          const after = await createClient('after the break');
          await eventually(async () => second.events.some((e) => e.subject === after), {
            timeoutMs: DELIVERY_TIMEOUT_MS,
            what: 'the event after the break',
          });
          const resumed = second.events;
          expect(resumed[0]!.seq).toBeGreaterThan(stop.seq);
          for (const id of [...missed, after]) {
            expect(
              resumed.filter((e) => e.subject === id && e.type === 'client.created'),
            ).toHaveLength(1);
          }
          // Exactly the stored rows after the resume point, in chain order.
          const stored = await admin('GET', `/admin/audit/export?limit=1000`);
          const storedAfter = (stored.body.items as { seq: number }[])
            .map((r) => r.seq)
            .filter((seq) => seq > stop.seq && seq <= resumed[resumed.length - 1]!.seq);
          expect(resumed.map((e) => e.seq)).toEqual(storedAfter);
          expect(new Set([...received, ...resumed].map((e) => e.seq)).size).toBe(
            received.length + resumed.length,
          );
        } finally {
          second.close();
        }
      });

      it('sends heartbeats, refuses bad filters before streaming, and bounds the open streams', async () => {
        const res = await fetch(`${platform.issuer}/admin/audit/stream`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
        expect(res.headers.get('cache-control')).toBe('no-store');
        let text = '';
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          text += new TextDecoder().decode(chunk);
          if (text.includes(': heartbeat')) break;
        }
        expect(text).toContain(': heartbeat');

        const bad = await admin('GET', '/admin/audit/stream?type=Not%20A%20Type');
        expect(bad.status).toBe(400);
        expect(bad.body.error).toBe('invalid_request');
        const unauthenticated = await callPlatform(platform.issuer, 'GET', '/admin/audit/stream');
        expect(unauthenticated.status).toBe(401);

        const open = await Promise.all([1, 2, 3].map(() => openTail(platform.issuer, token)));
        try {
          expect(open.map((t) => t.status)).toEqual([200, 200, 200]);
          const refused = await admin('GET', '/admin/audit/stream');
          expect(refused.status).toBe(429);
          expect(refused.body.error).toBe('temporarily_unavailable');
        } finally {
          open.forEach((t) => t.close());
        }
        // Slots come back once the clients are gone.
        await eventually(
          async () => {
            const again = await openTail(platform.issuer, token);
            again.close();
            return again.status === 200;
          },
          { timeoutMs: 15_000, what: 'a free stream slot' },
        );
      });

      it('is followed by latchkey audit tail', async () => {
        const head = (await admin('GET', '/admin/audit?limit=1')).body.items as { seq: number }[];
        const target = await createClient('cli tail target');
        const result = await latchkey(
          'audit',
          'tail',
          '--after-seq',
          String(head[0]!.seq),
          '--type',
          'client.created',
          '--count',
          '1',
        );
        expect(result).toMatchObject({ code: 0, stderr: '' });
        expect(JSON.parse(result.stdout.trim())).toMatchObject({
          type: 'client.created',
          subject: target,
        });
      });
    });

    describe('export, checkpoints and verification', () => {
      let keysFile: string;

      beforeAll(async () => {
        await createClient('checkpointed');
        // The head as of now is signed within a few seconds (interval 1 s).
        const head = (
          (await admin('GET', '/admin/audit?limit=1')).body.items as { seq: number }[]
        )[0]!.seq;
        await eventually(
          async () => {
            const page = await admin('GET', '/admin/audit/checkpoints?limit=1000');
            return (page.body.items as { seq: number }[]).some((c) => c.seq >= head);
          },
          { timeoutMs: 30_000, what: 'a checkpoint of the head' },
        );
        // The security team keeps the keys apart from the log.
        const keys = await latchkey('audit', 'keys');
        expect(keys.code).toBe(0);
        const published = JSON.parse(keys.stdout) as AuditKeysResponse;
        expect(published.keys).toHaveLength(1);
        // Each emitting service's event key, beside (never among) the checkpoint keys.
        const services = mode === 'embedded' ? [] : ['client-registry', 'gateway', 'token'];
        for (const service of services) {
          expect(published.event_keys?.map((k) => k.service)).toContain(service);
        }
        expect(published.event_keys?.length).toBeGreaterThan(0);
        keysFile = path.join(workDir, 'keys.json');
        fs.writeFileSync(keysFile, keys.stdout);
      });

      let exports = 0;
      const exportAndVerify = async () => {
        const file = path.join(workDir, `export-${++exports}.jsonl`);
        const exported = await latchkey('audit', 'export', '--file', file);
        expect(exported.code).toBe(0);
        return verifyFile(file);
      };
      /** `latchkey audit verify` of a file with the keys kept apart: its exit code and report. */
      const verifyFile = async (file: string) => {
        const verified = await latchkey(
          '--output',
          'json',
          'audit',
          'verify',
          file,
          '--keys',
          keysFile,
        );
        return {
          code: verified.code,
          report: JSON.parse(verified.stdout) as Record<string, unknown>,
        };
      };
      const onlineVerify = async () => (await admin('GET', '/admin/audit/verify')).body;

      type Row = {
        seq: string;
        id: string;
        type: string;
        source: string;
        subject: string | null;
        time: Date;
        client_id: string | null;
        sub: string | null;
        event: unknown;
        prev_hash: string;
        hash: string;
        stored_at: Date;
      };
      const rows = async (): Promise<Row[]> =>
        (await sql.query<Row>(`SELECT * FROM "audit"."events" ORDER BY "seq"`)).rows;
      /**
       * As an attacker with database access would: the append-only triggers off, under the
       * chain lock (so no append of the audit service interleaves with the forgery).
       */
      const forge = async (statement: string, params: unknown[] = []) => {
        await sql.query('BEGIN');
        await sql.query(`SELECT pg_advisory_xact_lock($1::bigint)`, [CHAIN_LOCK_KEY]);
        await sql.query(`ALTER TABLE "audit"."events" DISABLE TRIGGER USER`);
        await sql.query(statement, params);
        await sql.query(`ALTER TABLE "audit"."events" ENABLE TRIGGER USER`);
        await sql.query('COMMIT');
      };
      const checkpointSeqs = async () =>
        (
          await sql.query<{ seq: string }>(`SELECT "seq"::text AS "seq" FROM "audit"."checkpoints"`)
        ).rows.map((r) => r.seq);
      /**
       * Back to the snapshot, so each case starts from an intact log: the original rows from
       * `fromSeq` on (rows appended meanwhile go too), and only the original checkpoints.
       */
      const restore = async (original: Row[], fromSeq: string, checkpoints: string[]) => {
        await sql.query('BEGIN');
        await sql.query(`SELECT pg_advisory_xact_lock($1::bigint)`, [CHAIN_LOCK_KEY]);
        await sql.query(`ALTER TABLE "audit"."checkpoints" DISABLE TRIGGER USER`);
        await sql.query(
          `DELETE FROM "audit"."checkpoints" WHERE NOT ("seq"::text = ANY($1::text[]))`,
          [checkpoints],
        );
        await sql.query(`ALTER TABLE "audit"."checkpoints" ENABLE TRIGGER USER`);
        await sql.query(`ALTER TABLE "audit"."events" DISABLE TRIGGER USER`);
        await sql.query(`DELETE FROM "audit"."events" WHERE "seq" >= $1`, [fromSeq]);
        for (const r of original.filter((row) => BigInt(row.seq) >= BigInt(fromSeq))) {
          await sql.query(
            `INSERT INTO "audit"."events" ("seq","id","type","source","subject","time","client_id","sub","event","prev_hash","hash","stored_at")
             OVERRIDING SYSTEM VALUE VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9::jsonb,$10,$11,$12)`,
            [
              r.seq,
              r.id,
              r.type,
              r.source,
              r.subject,
              r.time,
              r.client_id,
              r.sub,
              JSON.stringify(r.event),
              r.prev_hash,
              r.hash,
              r.stored_at,
            ],
          );
        }
        await sql.query(`ALTER TABLE "audit"."events" ENABLE TRIGGER USER`);
        await sql.query('COMMIT');
      };

      it('verifies an untouched log online and offline, checkpoints included', async () => {
        const online = await onlineVerify();
        expect(online).toMatchObject({ valid: true });
        expect(online.checkpoints_checked).toBeGreaterThan(0);
        const { code, report } = await exportAndVerify();
        expect(report).toMatchObject({ valid: true, keys_from: 'trusted', problems: [] });
        expect(report.checkpoints_verified).toBeGreaterThan(0);
        // Every event's own signature was checked, offline.
        expect(report.event_signatures_checked).toBe(report.events);
        expect(code).toBe(0);
      });

      it('detects offline an event changed in the file with every hash recomputed, and an unsigned one, by their signatures', async () => {
        const file = path.join(workDir, `export-${++exports}.jsonl`);
        expect((await latchkey('audit', 'export', '--file', file)).code).toBe(0);
        const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
        const header = lines[0]!;
        const records = lines
          .map((line) => JSON.parse(line) as { kind: string } & AuditChainRecord)
          .filter((line) => line.kind === 'event');
        /** The file rewritten without its checkpoints, each hash recomputed: the chain holds. */
        const rewrite = (change: (events: AuditChainRecord['event'][]) => void) => {
          const events = records.map((r) => structuredClone(r.event));
          change(events);
          let prev = AUDIT_GENESIS_HASH;
          const chained = events.map((event, i) => {
            const hash = chainHash(prev, event);
            const line = { kind: 'event', seq: i + 1, prev_hash: prev, hash, event };
            prev = hash;
            return JSON.stringify(line);
          });
          const out = path.join(workDir, `export-${++exports}.jsonl`);
          fs.writeFileSync(out, `${[header, ...chained].join('\n')}\n`);
          return out;
        };
        const changed = rewrite((events) => {
          events[1] = { ...events[1]!, subject: 'someone-else' };
        });
        const unsigned = rewrite((events) => {
          delete (events[2] as { sig?: string }).sig;
        });
        for (const [target, seq, detail] of [
          [changed, 2, 'the signature does not match the event'],
          [unsigned, 3, 'the event carries no signature (sig, sigkid)'],
        ] as const) {
          const { code, report } = await verifyFile(target);
          expect(code).toBe(1);
          expect(report.problems).toEqual([
            { line: seq + 1, seq, reason: 'event_signature', detail },
          ]);
        }
      });

      it.each<[string, (r: Row[]) => Promise<string>, string, string]>([
        [
          'a changed event',
          async (r) => {
            await forge(
              `UPDATE "audit"."events" SET "event" = jsonb_set("event", '{subject}', '"someone-else"') WHERE "seq" = $1`,
              [r[1]!.seq],
            );
            return r[1]!.seq;
          },
          'hash_mismatch',
          'hash_mismatch',
        ],
        [
          'a deleted event',
          async (r) => {
            await forge(`DELETE FROM "audit"."events" WHERE "seq" = $1`, [r[1]!.seq]);
            return r[1]!.seq;
          },
          'broken_link',
          'broken_link',
        ],
        [
          'two events swapped',
          async (r) => {
            const [a, b] = [r[1]!, r[2]!];
            const move = `UPDATE "audit"."events" SET "id" = $1, "event" = $2::jsonb, "prev_hash" = $3, "hash" = $4 WHERE "seq" = $5`;
            await forge(move, [
              '00000000-0000-4000-8000-000000000000',
              '{}',
              a.prev_hash,
              'placeholder',
              a.seq,
            ]);
            await forge(move, [a.id, JSON.stringify(a.event), a.prev_hash, a.hash, b.seq]);
            await forge(move, [b.id, JSON.stringify(b.event), b.prev_hash, b.hash, a.seq]);
            return a.seq;
          },
          'broken_link',
          'broken_link',
        ],
        [
          'the log truncated after a checkpoint',
          async (r) => {
            const checkpoints = (
              await sql.query<{ seq: string }>(
                `SELECT "seq"::text AS "seq" FROM "audit"."checkpoints" ORDER BY "seq" DESC LIMIT 1`,
              )
            ).rows;
            const cut = checkpoints[0]!.seq;
            await forge(`DELETE FROM "audit"."events" WHERE "seq" >= $1`, [cut]);
            return r.find((row) => row.seq === cut)!.seq;
          },
          'checkpoint_beyond_head',
          'checkpoint_beyond_head',
        ],
      ])('detects %s online and offline', async (_name, tamper, onlineReason, offlineReason) => {
        const original = await rows();
        const checkpoints = await checkpointSeqs();
        const from = await tamper(original);
        try {
          expect(await onlineVerify()).toMatchObject({ valid: false, reason: onlineReason });
          const { code, report } = await exportAndVerify();
          expect(code).toBe(1);
          expect(report.valid).toBe(false);
          expect((report.problems as { reason: string }[]).map((p) => p.reason)).toContain(
            offlineReason,
          );
        } finally {
          await restore(original, from, checkpoints);
        }
        expect(await onlineVerify()).toMatchObject({ valid: true });
      });
    });
  };
  if (mode === 'distributed') describeWithBackends(distributedBackends(), 'four processes', block);
  else describeWithBackends(['postgres'], 'one process on Postgres', block);
});
