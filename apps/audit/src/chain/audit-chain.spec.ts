import { createHash } from 'node:crypto';
import {
  AUDIT_GENESIS_HASH,
  type AuditEvent,
  canonicalJson,
  signAuditEvent,
} from '@latchkey/contracts';
import { InvalidRequest } from '@latchkey/oauth';
import {
  auditEvent,
  type AuditSlice,
  startAuditSlice,
  storedRows,
  withTriggersDisabled,
  FIXTURE_SIGNING_KEYS,
} from '../fixtures/audit-app.fixture';

jest.setTimeout(60_000);

/** The chain rule written out independently of the code under test. */
const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('the audit chain (PGlite)', () => {
  let audit: AuditSlice;

  beforeAll(async () => {
    audit = await startAuditSlice();
  });

  afterAll(async () => {
    await audit?.app.close();
  });

  describe('appending', () => {
    const events: AuditEvent[] = [];

    beforeAll(async () => {
      for (const type of ['client.created', 'token.issued', 'login.failed'] as const) {
        const event = auditEvent(type, { client_id: 'app-1', sub: 'user-1' }, { subject: 'app-1' });
        events.push(event);
        await audit.ingest.ingest(event);
      }
    });

    it('stores each event once, in arrival order, each row chained to the one before', async () => {
      const rows = await storedRows(audit.dataSource);
      expect(rows.map((row) => row.id)).toEqual(events.map((event) => event.id));
      let prev = AUDIT_GENESIS_HASH;
      for (const [index, row] of rows.entries()) {
        expect(row.event).toEqual(events[index]);
        expect(row.prev_hash).toBe(prev);
        expect(row.hash).toBe(sha256Hex(prev + canonicalJson(events[index])));
        expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
        prev = row.hash;
      }
    });

    it('ignores the same event id a second time (at-least-once redelivery): one row', async () => {
      const before = await storedRows(audit.dataSource);
      const again = await audit.ingest.ingest(events[1]);
      expect(again).toEqual({ stored: false, seq: Number(before[1].seq) });
      expect(await storedRows(audit.dataSource)).toEqual(before);
    });

    it('serialises concurrent appends into one valid chain', async () => {
      const burst = Array.from({ length: 20 }, (_, i) => auditEvent('token.issued', { n: i }));
      const results = await Promise.all(burst.map((event) => audit.ingest.ingest(event)));
      expect(results.every((result) => result.stored)).toBe(true);
      expect(new Set(results.map((result) => result.seq)).size).toBe(20);
      const verdict = await audit.chain.verify();
      expect(verdict).toMatchObject({ valid: true, checked: 23 });
    });

    it('removes credential keys an emitter let through, and keeps the rest', async () => {
      const event = auditEvent('client_authentication.failed', {
        client_id: 'app-2',
        client_secret: 'leaked',
      });
      const { seq } = await audit.ingest.ingest(event);
      const page = await audit.query.query({ client_id: 'app-2' });
      expect(page.items).toHaveLength(1);
      expect(page.items[0]).toMatchObject({ seq, id: event.id, data: { client_id: 'app-2' } });
      expect(JSON.stringify(page)).not.toContain('leaked');
    });

    it('refuses to change, delete or truncate stored rows', async () => {
      const refusal = /audit events are append-only/;
      await expect(
        audit.dataSource.query(`UPDATE "audit"."events" SET "type" = 'x.y'`),
      ).rejects.toThrow(refusal);
      await expect(audit.dataSource.query(`DELETE FROM "audit"."events"`)).rejects.toThrow(refusal);
      await expect(audit.dataSource.query(`TRUNCATE "audit"."events"`)).rejects.toThrow(refusal);
    });
  });

  describe('refusing malformed events (never retried)', () => {
    const valid = () =>
      auditEvent('token.issued', { client_id: 'app-1' }) as unknown as Record<string, unknown>;

    it.each<[string, (event: Record<string, unknown>) => unknown, RegExp]>([
      ['not an object', () => 'text', /^an audit event must be a JSON object$/],
      ['another specversion', (e) => ({ ...e, specversion: '0.3' }), /^specversion must be 1.0$/],
      ['an id that is not a uuid', (e) => ({ ...e, id: 'abc' }), /^id is malformed$/],
      ['no source', (e) => ({ ...e, source: '' }), /^source must be a string of 1 to 200/],
      ['a malformed type', (e) => ({ ...e, type: 'Token Issued' }), /^type is malformed$/],
      ['a type without a verb', (e) => ({ ...e, type: 'query' }), /^type is malformed$/],
      ['a time without zone', (e) => ({ ...e, time: '2030-01-01T00:00:00' }), /^time must be/],
      ['an impossible time', (e) => ({ ...e, time: '2030-13-45T00:00:00Z' }), /^time must be/],
      [
        'another content type',
        (e) => ({ ...e, datacontenttype: 'text/plain' }),
        /^datacontenttype/,
      ],
      ['data that is a list', (e) => ({ ...e, data: [] }), /^data must be a JSON object$/],
      ['an unknown attribute', (e) => ({ ...e, 'Bad-Name': 'x' }), /^an attribute name is not/],
      ['a NUL character', (e) => ({ ...e, data: { ua: 'a\u0000b' } }), /NUL or an unpaired/],
      ['a huge event', (e) => ({ ...e, data: { blob: 'x'.repeat(70_000) } }), /larger than 65536/],
    ])('refuses %s with invalid_request', async (_name, mutate, description) => {
      const before = (await storedRows(audit.dataSource)).length;
      const error = await audit.ingest.ingest(mutate(valid())).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequest);
      expect((error as InvalidRequest).error).toBe('invalid_request');
      expect((error as InvalidRequest).description).toMatch(description);
      expect(await storedRows(audit.dataSource)).toHaveLength(before);
    });

    it('keeps a well-formed type it does not know yet (a newer emitter during a rolling update)', async () => {
      const event = signAuditEvent(
        { ...valid(), type: 'device.authorized' } as unknown as AuditEvent,
        FIXTURE_SIGNING_KEYS.token,
      );
      await expect(audit.ingest.ingest(event)).resolves.toMatchObject({ stored: true });
    });
  });
});

describe('verifying the chain (PGlite)', () => {
  let audit: AuditSlice;

  beforeAll(async () => {
    audit = await startAuditSlice();
  });

  beforeEach(async () => {
    // Each test forges the log its own way: start from a fresh chain of five.
    await withTriggersDisabled(audit.dataSource, `TRUNCATE "audit"."events" RESTART IDENTITY`);
    for (let i = 1; i <= 5; i++) await audit.ingest.ingest(auditEvent('token.issued', { n: i }));
  });

  afterAll(async () => {
    await audit?.app.close();
  });

  it('answers valid for an empty chain', async () => {
    await withTriggersDisabled(audit.dataSource, `TRUNCATE "audit"."events" RESTART IDENTITY`);
    await expect(audit.chain.verify()).resolves.toEqual({ valid: true, checked: 0 });
  });

  it('recomputes every row and reports the head it reached', async () => {
    const rows = await storedRows(audit.dataSource);
    await expect(audit.chain.verify()).resolves.toEqual({
      valid: true,
      checked: 5,
      last_seq: Number(rows[4].seq),
      last_hash: rows[4].hash,
    });
  });

  it('verifies a range, chaining its first row to the row before it', async () => {
    const rows = await storedRows(audit.dataSource);
    await expect(
      audit.query.verify({ from_seq: Number(rows[1].seq), to_seq: Number(rows[3].seq) }),
    ).resolves.toEqual({
      valid: true,
      checked: 3,
      checkpoints_checked: 0,
      last_seq: Number(rows[3].seq),
      last_hash: rows[3].hash,
    });
  });

  it('reports the seq of a row whose event was edited', async () => {
    const rows = await storedRows(audit.dataSource);
    await withTriggersDisabled(
      audit.dataSource,
      `UPDATE "audit"."events" SET "event" = jsonb_set("event", '{data,n}', '99') WHERE "seq" = $1`,
      [rows[2].seq],
    );
    await expect(audit.chain.verify()).resolves.toEqual({
      valid: false,
      checked: 3,
      first_invalid_seq: Number(rows[2].seq),
      reason: 'hash_mismatch',
      last_seq: Number(rows[1].seq),
      last_hash: rows[1].hash,
    });
    // A range that ends before the edit is still intact.
    await expect(audit.query.verify({ to_seq: Number(rows[1].seq) })).resolves.toMatchObject({
      valid: true,
      checked: 2,
    });
  });

  it('catches a forger who also recomputed the edited row’s hash: the next row no longer links', async () => {
    const rows = await storedRows(audit.dataSource);
    const forged = { ...rows[1].event, data: { n: 42 } };
    const forgedHash = createHash('sha256')
      .update(rows[1].prev_hash + canonicalJson(forged))
      .digest('hex');
    await withTriggersDisabled(
      audit.dataSource,
      `UPDATE "audit"."events" SET "event" = $1::jsonb, "hash" = $2 WHERE "seq" = $3`,
      [JSON.stringify(forged), forgedHash, rows[1].seq],
    );
    await expect(audit.chain.verify()).resolves.toMatchObject({
      valid: false,
      first_invalid_seq: Number(rows[2].seq),
      reason: 'broken_link',
    });
  });

  it('reports a deleted row at the row after the gap', async () => {
    const rows = await storedRows(audit.dataSource);
    await withTriggersDisabled(audit.dataSource, `DELETE FROM "audit"."events" WHERE "seq" = $1`, [
      rows[3].seq,
    ]);
    await expect(audit.chain.verify()).resolves.toMatchObject({
      valid: false,
      checked: 4,
      first_invalid_seq: Number(rows[4].seq),
      reason: 'broken_link',
    });
  });

  it('reports a row inserted directly with a made-up link', async () => {
    const event = auditEvent('token.revoked', { grant: 'g-1' });
    const prev = 'f'.repeat(64);
    await audit.dataSource.query(
      `INSERT INTO "audit"."events" ("id","type","source","time","event","prev_hash","hash")
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)`,
      [
        event.id,
        event.type,
        event.source,
        event.time,
        JSON.stringify(event),
        prev,
        createHash('sha256')
          .update(prev + canonicalJson(event))
          .digest('hex'),
      ],
    );
    const rows = await storedRows(audit.dataSource);
    await expect(audit.chain.verify()).resolves.toMatchObject({
      valid: false,
      checked: 6,
      first_invalid_seq: Number(rows[5].seq),
      reason: 'broken_link',
    });
  });

  it('reports a row whose id column no longer matches its event', async () => {
    const rows = await storedRows(audit.dataSource);
    await withTriggersDisabled(
      audit.dataSource,
      `UPDATE "audit"."events" SET "id" = gen_random_uuid() WHERE "seq" = $1`,
      [rows[0].seq],
    );
    await expect(audit.chain.verify()).resolves.toMatchObject({
      valid: false,
      checked: 1,
      first_invalid_seq: Number(rows[0].seq),
      reason: 'id_mismatch',
    });
  });
});
