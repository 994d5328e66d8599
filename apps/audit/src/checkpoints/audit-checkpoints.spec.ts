import {
  verifyAuditExport,
  exportCheckpointLine,
  exportEventLine,
  exportHeader,
} from '@latchkey/audit-chain';
import type { AuditChainRecord, AuditCheckpoint } from '@latchkey/contracts';
import { register } from 'prom-client';
import {
  auditEvent,
  type AuditSlice,
  checkpointPrivateJwk,
  startAuditSlice,
  storedRows,
  TEST_AUDIT_ISSUER,
  withTriggersDisabled,
} from '../fixtures/audit-app.fixture';
import { CheckpointKeys } from './checkpoint-keys.service';
import { CheckpointsController } from './checkpoints.controller';

jest.setTimeout(60_000);

async function verifyFailures(reason: string): Promise<number> {
  const metric = await register
    .getSingleMetric('latchkey_audit_chain_verify_failures_total')
    ?.get();
  return metric?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

describe('signed checkpoints and tamper detection (PGlite)', () => {
  let audit: AuditSlice;

  beforeAll(async () => {
    audit = await startAuditSlice();
  });

  afterAll(async () => {
    await audit?.app.close();
  });

  /** A fresh chain of six, checkpointed after the fourth and after the sixth. */
  beforeEach(async () => {
    await withTriggersDisabled(audit.dataSource, `TRUNCATE "audit"."events" RESTART IDENTITY`);
    await audit.dataSource.transaction(async (em) => {
      await em.query(`ALTER TABLE "audit"."checkpoints" DISABLE TRIGGER USER`);
      await em.query(`TRUNCATE "audit"."checkpoints"`);
      await em.query(`ALTER TABLE "audit"."checkpoints" ENABLE TRIGGER USER`);
    });
    for (let i = 1; i <= 4; i++) await audit.ingest.ingest(auditEvent('token.issued', { n: i }));
    await audit.checkpoints.take();
    for (let i = 5; i <= 6; i++) await audit.ingest.ingest(auditEvent('token.issued', { n: i }));
    await audit.checkpoints.take();
  });

  /** What `latchkey audit export` writes, from the same bus answers. */
  async function exportLines(): Promise<string[]> {
    const controller = audit.app.get(CheckpointsController);
    const checkpoints = (await controller.list({})).items;
    const records: AuditChainRecord[] = (await audit.query.export({})).items;
    return [
      exportHeader(TEST_AUDIT_ISSUER, controller.jwks(), new Date()),
      ...checkpoints.map((c: AuditCheckpoint) => exportCheckpointLine(c)),
      ...records.map(exportEventLine),
    ];
  }

  const trustedKeys = () => audit.app.get(CheckpointKeys).jwks();

  it('signs the head once per move, with the published key', async () => {
    const rows = await storedRows(audit.dataSource);
    const { items } = await audit.app.get(CheckpointsController).list({});
    expect(items.map((c) => [c.seq, c.hash])).toEqual([
      [4, rows[3].hash],
      [6, rows[5].hash],
    ]);
    // The head has not moved: nothing new to sign.
    await expect(audit.checkpoints.take()).resolves.toBeUndefined();
    const jwks = trustedKeys();
    expect(jwks.keys).toEqual([
      expect.objectContaining({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', kid: items[0].kid }),
    ]);
    expect(JSON.stringify(jwks)).not.toMatch(/"d"/);
  });

  it('answers valid online and offline for an untouched chain', async () => {
    await expect(audit.query.verify({})).resolves.toMatchObject({
      valid: true,
      checked: 6,
      checkpoints_checked: 2,
    });
    await expect(
      verifyAuditExport(await exportLines(), { trustedKeys: trustedKeys() }),
    ).resolves.toMatchObject({ valid: true, events: 6, checkpoints_verified: 2 });
  });

  it('pages the export oldest first, and after a seq with filters', async () => {
    const first = await audit.query.export({ limit: 4 });
    expect(first.items.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    const second = await audit.query.export({ limit: 4, cursor: first.next_cursor });
    expect(second.items.map((r) => r.seq)).toEqual([5, 6]);
    expect(second.next_cursor).toBeNull();
    await expect(audit.query.export({ after_seq: 5 })).resolves.toMatchObject({
      items: [expect.objectContaining({ seq: 6 })],
    });
    await expect(audit.query.export({ type: 'login.failed' })).resolves.toEqual({
      items: [],
      next_cursor: null,
    });
  });

  type Rows = Awaited<ReturnType<typeof storedRows>>;
  const forge = (sql: string, params: unknown[] = []) =>
    withTriggersDisabled(audit.dataSource, sql, params);

  it.each<[string, (rows: Rows) => Promise<void>, string]>([
    [
      'a changed event',
      (rows) =>
        forge(
          `UPDATE "audit"."events" SET "event" = jsonb_set("event", '{data,n}', '99') WHERE "seq" = $1`,
          [rows[2].seq],
        ),
      'hash_mismatch',
    ],
    [
      'a deleted event',
      (rows) => forge(`DELETE FROM "audit"."events" WHERE "seq" = $1`, [rows[2].seq]),
      'broken_link',
    ],
    [
      'two events swapped',
      // Row 3 gets row 4's content and the other way round (through a placeholder: ids and
      // hashes are unique).
      async (rows) => {
        const [a, b] = [rows[2], rows[3]];
        const move = `UPDATE "audit"."events"
           SET "id" = $1, "event" = $2::jsonb, "prev_hash" = $3, "hash" = $4 WHERE "seq" = $5`;
        await forge(move, [crypto.randomUUID(), '{}', a.prev_hash, 'placeholder', a.seq]);
        await forge(move, [a.id, JSON.stringify(a.event), a.prev_hash, a.hash, b.seq]);
        await forge(move, [b.id, JSON.stringify(b.event), b.prev_hash, b.hash, a.seq]);
      },
      'broken_link',
    ],
  ])('detects %s online and offline', async (_name, tamper, reason) => {
    await tamper(await storedRows(audit.dataSource));
    const before = await verifyFailures(reason);
    await expect(audit.query.verify({})).resolves.toMatchObject({ valid: false, reason });
    expect(await verifyFailures(reason)).toBe(before + 1);
    const offline = await verifyAuditExport(await exportLines(), { trustedKeys: trustedKeys() });
    expect(offline.valid).toBe(false);
    expect(offline.problems[0]).toMatchObject({ reason });
  });

  it('detects the chain cut off after a checkpoint, online and offline', async () => {
    await withTriggersDisabled(audit.dataSource, `DELETE FROM "audit"."events" WHERE "seq" > 4`);
    // What is left still recomputes and links: only the checkpoint of seq 6 tells.
    await expect(audit.chain.verify()).resolves.toMatchObject({ valid: true, checked: 4 });
    await expect(audit.query.verify({})).resolves.toMatchObject({
      valid: false,
      reason: 'checkpoint_beyond_head',
      checkpoint_seq: 6,
    });
    const offline = await verifyAuditExport(await exportLines(), { trustedKeys: trustedKeys() });
    expect(offline.problems).toEqual([
      expect.objectContaining({ seq: 6, reason: 'checkpoint_beyond_head' }),
    ]);
  });

  it('signs no checkpoint over a chain that no longer proves itself, and counts it', async () => {
    await withTriggersDisabled(audit.dataSource, `DELETE FROM "audit"."events" WHERE "seq" > 4`);
    await audit.ingest.ingest(auditEvent('token.issued', { n: 7 }));
    const before = await verifyFailures('checkpoint_mismatch');
    await expect(audit.checkpoints.take()).resolves.toBeUndefined();
    expect(await verifyFailures('checkpoint_mismatch')).toBe(before + 1);
    const { items } = await audit.app.get(CheckpointsController).list({});
    expect(items.map((c) => c.seq)).toEqual([4, 6]);
  });

  it('detects a chain rewritten with recomputed hashes behind a checkpoint', async () => {
    // The forger edits row 2 and recomputes every hash after it: the links hold, the checkpoints do not.
    const rows = await storedRows(audit.dataSource);
    const { chainHash } = await import('@latchkey/audit-chain');
    let prev = rows[0].hash;
    await audit.dataSource.transaction(async (em) => {
      await em.query(`ALTER TABLE "audit"."events" DISABLE TRIGGER USER`);
      for (const row of rows.slice(1)) {
        const event = row.seq === rows[1].seq ? { ...row.event, data: { n: 42 } } : row.event;
        const hash = chainHash(prev, event);
        await em.query(
          `UPDATE "audit"."events" SET "event" = $1::jsonb, "prev_hash" = $2, "hash" = $3 WHERE "seq" = $4`,
          [JSON.stringify(event), prev, hash, row.seq],
        );
        prev = hash;
      }
      await em.query(`ALTER TABLE "audit"."events" ENABLE TRIGGER USER`);
    });
    await expect(audit.chain.verify()).resolves.toMatchObject({ valid: true });
    await expect(audit.query.verify({})).resolves.toMatchObject({
      valid: false,
      reason: 'checkpoint_mismatch',
      checkpoint_seq: 4,
    });
    // Offline, the edited event's own signature fails as well.
    const offline = await verifyAuditExport(await exportLines(), { trustedKeys: trustedKeys() });
    expect(offline.problems.map((p) => [p.seq, p.reason])).toEqual([
      [2, 'event_signature'],
      [4, 'checkpoint_mismatch'],
      [6, 'checkpoint_mismatch'],
    ]);
  });

  it('refuses a checkpoint inserted with a key that is not configured', async () => {
    const { readCheckpointSigningKey, signCheckpoint } = await import('@latchkey/audit-chain');
    const forger = await readCheckpointSigningKey(checkpointPrivateJwk());
    const rows = await storedRows(audit.dataSource);
    const forged = await signCheckpoint(forger, {
      iss: TEST_AUDIT_ISSUER,
      seq: 5,
      hash: rows[4].hash,
      time: new Date().toISOString(),
    });
    await audit.dataSource.query(
      `INSERT INTO "audit"."checkpoints" ("seq","hash","time","kid","jws") VALUES ($1,$2,$3,$4,$5)`,
      [forged.seq, forged.hash, forged.time, forged.kid, forged.jws],
    );
    await expect(audit.query.verify({})).resolves.toMatchObject({
      valid: false,
      reason: 'checkpoint_signature',
      checkpoint_seq: 5,
    });
  });

  it('refuses to change or delete a stored checkpoint', async () => {
    await expect(audit.dataSource.query(`DELETE FROM "audit"."checkpoints"`)).rejects.toThrow(
      /append-only/,
    );
  });
});
