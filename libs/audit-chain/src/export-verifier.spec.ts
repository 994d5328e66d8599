import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import {
  AUDIT_GENESIS_HASH,
  type AuditChainRecord,
  type AuditCheckpoint,
  type AuditEvent,
  auditEventKeyJwk,
  type AuditKeysResponse,
  type AuditSigningKey,
  auditSigningKeyFromSeed,
  auditVerificationKeyOf,
  generateAuditSigningKey,
  signAuditEvent,
} from '@latchkey/contracts';
import { canonicalJson } from '@latchkey/contracts';
import { type CheckpointSigningKey, readCheckpointSigningKey, signCheckpoint } from './checkpoint';
import { exportCheckpointLine, exportEventLine, exportHeader } from './export-format';
import { verifyAuditExport } from './export-verifier';

const ISSUER = 'https://id.example.com';

/** The chain rule written out independently of the code under test. */
const link = (prev: string, event: AuditEvent) =>
  createHash('sha256')
    .update(prev + canonicalJson(event))
    .digest('hex');

/** The token service's event key, as the audit service stores its events signed. */
const tokenKey = newEventKey('token');

function newEventKey(service: string): AuditSigningKey {
  return auditSigningKeyFromSeed(service, generateAuditSigningKey().seed);
}

const eventKeysOf = (...signers: AuditSigningKey[]) =>
  signers.map((signer) => auditEventKeyJwk(auditVerificationKeyOf(signer)));

function event(n: number): AuditEvent {
  return signAuditEvent(unsignedEvent(n), tokenKey);
}

function unsignedEvent(n: number): AuditEvent {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: 'token',
    type: 'token.issued',
    time: new Date(Date.UTC(2030, 0, 1, 0, 0, n)).toISOString(),
    datacontenttype: 'application/json',
    data: { client_id: 'app-1', n },
  };
}

function chain(length: number): AuditChainRecord[] {
  return rechain(Array.from({ length }, (_, i) => event(i + 1)));
}

/** The events chained anew, as someone with write access to the table would rewrite them. */
function rechain(events: AuditEvent[]): AuditChainRecord[] {
  let prev = AUDIT_GENESIS_HASH;
  return events.map((e, i) => {
    const hash = link(prev, e);
    const record = { seq: i + 1, prev_hash: prev, hash, event: e };
    prev = hash;
    return record;
  });
}

async function signingKey(): Promise<CheckpointSigningKey> {
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
  return readCheckpointSigningKey(jwk);
}

function checkpointOf(key: CheckpointSigningKey, record: AuditChainRecord) {
  return signCheckpoint(key, {
    iss: ISSUER,
    seq: record.seq,
    hash: record.hash,
    time: '2030-01-02T00:00:00.000Z',
  });
}

function file(
  keys: AuditKeysResponse,
  checkpoints: AuditCheckpoint[],
  records: AuditChainRecord[],
): string[] {
  return [
    exportHeader(ISSUER, keys, new Date('2030-01-03T00:00:00Z')),
    ...checkpoints.map(exportCheckpointLine),
    ...records.map(exportEventLine),
  ];
}

describe('verifyAuditExport (offline)', () => {
  let key: CheckpointSigningKey;
  let keys: AuditKeysResponse;
  let records: AuditChainRecord[];
  let checkpoints: AuditCheckpoint[];

  beforeAll(async () => {
    key = await signingKey();
    keys = { keys: [key.publicJwk], event_keys: eventKeysOf(tokenKey) };
  });

  beforeEach(async () => {
    records = chain(6);
    checkpoints = [await checkpointOf(key, records[2]), await checkpointOf(key, records[4])];
  });

  it('accepts an untouched export, with the trusted keys', async () => {
    const report = await verifyAuditExport(file(keys, checkpoints, records), {
      trustedKeys: keys,
    });
    expect(report).toEqual({
      valid: true,
      issuer: ISSUER,
      events: 6,
      last_seq: 6,
      last_hash: records[5].hash,
      checkpoints: 2,
      checkpoints_verified: 2,
      keys_from: 'trusted',
      event_signatures_checked: 6,
      problems: [],
    });
  });

  it('says when it used the keys of the file itself', async () => {
    const report = await verifyAuditExport(file(keys, checkpoints, records));
    expect(report).toMatchObject({ valid: true, keys_from: 'file' });
  });

  it('accepts checkpoints written after the events', async () => {
    const lines = file(keys, [], records).concat(checkpoints.map(exportCheckpointLine));
    expect(await verifyAuditExport(lines, { trustedKeys: keys })).toMatchObject({
      valid: true,
      checkpoints_verified: 2,
    });
  });

  it('detects a changed event: its hash no longer recomputes', async () => {
    records[3] = { ...records[3], event: { ...records[3].event, data: { n: 99 } } };
    const report = await verifyAuditExport(file(keys, checkpoints, records), {
      trustedKeys: keys,
    });
    expect(report.valid).toBe(false);
    expect(report.problems[0]).toMatchObject({ seq: 4, reason: 'hash_mismatch', line: 7 });
  });

  it('detects a changed event whose hash and the rest of the chain were recomputed: the checkpoint no longer matches', async () => {
    const forged = { ...records[1].event, data: { n: 42 } };
    let prev = records[0].hash;
    const rewritten = records.map((record, i) => {
      if (i === 0) return record;
      const e = i === 1 ? forged : record.event;
      const hash = link(prev, e);
      const out = { ...record, prev_hash: prev, hash, event: e };
      prev = hash;
      return out;
    });
    const report = await verifyAuditExport(file(keys, checkpoints, rewritten), {
      trustedKeys: keys,
    });
    expect(report.valid).toBe(false);
    expect(report.problems.map((p) => [p.seq, p.reason])).toEqual([
      [2, 'event_signature'],
      [3, 'checkpoint_mismatch'],
      [5, 'checkpoint_mismatch'],
    ]);
  });

  it('detects a deleted event: the next one no longer links', async () => {
    records.splice(2, 1);
    const report = await verifyAuditExport(file(keys, checkpoints, records), {
      trustedKeys: keys,
    });
    expect(report.valid).toBe(false);
    expect(report.problems[0]).toMatchObject({ seq: 4, reason: 'broken_link' });
  });

  it('detects two events swapped', async () => {
    [records[2], records[3]] = [records[3], records[2]];
    const report = await verifyAuditExport(file(keys, checkpoints, records), {
      trustedKeys: keys,
    });
    expect(report.valid).toBe(false);
    expect(report.problems[0]).toMatchObject({ line: 6, reason: 'broken_link' });
  });

  it('detects a chain cut off after a checkpoint', async () => {
    const report = await verifyAuditExport(file(keys, checkpoints, records.slice(0, 4)), {
      trustedKeys: keys,
    });
    expect(report.valid).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({ seq: 5, reason: 'checkpoint_beyond_head' }),
    ]);
  });

  it('detects a checkpoint whose claims were edited beside its signature', async () => {
    checkpoints[0] = { ...checkpoints[0], seq: 4, hash: records[3].hash };
    const report = await verifyAuditExport(file(keys, checkpoints, records), {
      trustedKeys: keys,
    });
    expect(report.problems).toEqual([
      expect.objectContaining({ reason: 'checkpoint_signature', detail: 'claims_mismatch' }),
    ]);
  });

  it('refuses checkpoints signed by a key it was not told to trust', async () => {
    const forger = await signingKey();
    const forged = [await checkpointOf(forger, records[5])];
    // The forger also put their own key into the file's header.
    const lines = file({ keys: [forger.publicJwk], event_keys: keys.event_keys }, forged, records);
    expect(await verifyAuditExport(lines)).toMatchObject({ valid: true, keys_from: 'file' });
    const report = await verifyAuditExport(lines, { trustedKeys: keys });
    expect(report.valid).toBe(false);
    expect(report.problems[0]).toMatchObject({
      reason: 'checkpoint_signature',
      detail: 'unknown_key',
    });
  });

  it('refuses a checkpoint of another installation', async () => {
    const other = await signCheckpoint(key, {
      iss: 'https://other.example.com',
      seq: 6,
      hash: records[5].hash,
      time: '2030-01-02T00:00:00.000Z',
    });
    const report = await verifyAuditExport(file(keys, [other], records), { trustedKeys: keys });
    expect(report.problems[0]).toMatchObject({ detail: 'claims_mismatch' });
  });

  it('reports lines that are not JSON, a missing header and an unknown kind', async () => {
    const lines = [...file(keys, [], records).slice(1), 'not json', '{"kind":"note"}'];
    const report = await verifyAuditExport(lines, { trustedKeys: keys });
    expect(report.valid).toBe(false);
    expect(report.problems.map((p) => p.detail)).toEqual([
      'not JSON',
      'unknown kind',
      'no latchkey-audit-export header',
    ]);
  });

  it('detects an event changed with the chain recomputed and no checkpoint after it: its signature no longer holds', async () => {
    const events = records.map((r) => r.event);
    events[1] = { ...events[1], data: { ...events[1].data, client_id: 'app-2' } };
    const rewritten = rechain(events);
    const report = await verifyAuditExport(file(keys, [], rewritten), { trustedKeys: keys });
    expect(report).toMatchObject({ valid: false, event_signatures_checked: 6 });
    // The chain alone says nothing: only the signature catches it.
    expect(report.problems).toEqual([
      {
        line: 3,
        seq: 2,
        reason: 'event_signature',
        detail: 'the signature does not match the event',
      },
    ]);
  });

  it("refuses an unsigned event and one signed with another service's key", async () => {
    const gatewayKey = newEventKey('gateway');
    const events = records.map((r) => r.event);
    const {
      sig: _sig,
      sigkid: _sigkid,
      ...unsigned
    } = events[1] as AuditEvent & {
      sig: string;
      sigkid: string;
    };
    events[1] = unsigned;
    events[3] = signAuditEvent(unsignedEvent(4), gatewayKey);
    const trusted = { ...keys, event_keys: eventKeysOf(tokenKey, gatewayKey) };
    const report = await verifyAuditExport(file(trusted, [], rechain(events)), {
      trustedKeys: trusted,
    });
    expect(report.problems.map((p) => [p.seq, p.reason, p.detail])).toEqual([
      [2, 'event_signature', 'the event carries no signature (sig, sigkid)'],
      [4, 'event_signature', "signed by another service's key than its source's"],
    ]);
  });

  it('refuses events signed by a key it was not told to trust', async () => {
    const forger = newEventKey('token');
    const forged = rechain(
      records.map((r, i) => (i === 2 ? signAuditEvent(r.event, forger) : r.event)),
    );
    // The forger also put their own key into the file's header.
    const lines = file({ ...keys, event_keys: eventKeysOf(tokenKey, forger) }, [], forged);
    expect(await verifyAuditExport(lines)).toMatchObject({ valid: true, keys_from: 'file' });
    const report = await verifyAuditExport(lines, { trustedKeys: keys });
    expect(report.problems).toEqual([
      expect.objectContaining({
        seq: 3,
        reason: 'event_signature',
        detail: 'signed by a key that is not among the event keys',
      }),
    ]);
  });

  it('refuses every event of an export without event keys', async () => {
    const report = await verifyAuditExport(file({ keys: keys.keys }, [], records));
    expect(report.valid).toBe(false);
    expect(report.problems).toHaveLength(6);
    expect(new Set(report.problems.map((p) => p.reason))).toEqual(new Set(['event_signature']));
  });
});
