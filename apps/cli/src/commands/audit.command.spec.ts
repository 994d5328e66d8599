import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { canonicalJson } from '@latchkey/contracts';
import {
  exportCheckpointLine,
  exportEventLine,
  exportHeader,
  readCheckpointSigningKey,
  signCheckpoint,
} from '@latchkey/audit-chain';
import {
  AUDIT_GENESIS_HASH,
  type AuditChainRecord,
  type AuditEvent,
  auditEventKeyJwk,
  auditSigningKeyFromSeed,
  auditVerificationKeyOf,
  generateAuditSigningKey,
  signAuditEvent,
} from '@latchkey/contracts';
import { CliHarness } from '../fixtures/cli-harness';

const ISSUER = 'https://id.example.com';

/** The rows as the audit service chains them: each linked to the one before. */
function chain(events: AuditEvent[]): AuditChainRecord[] {
  let prev = AUDIT_GENESIS_HASH;
  return events.map((event, i) => {
    const hash = createHash('sha256')
      .update(prev + canonicalJson(event))
      .digest('hex');
    const record = { seq: i + 1, prev_hash: prev, hash, event };
    prev = hash;
    return record;
  });
}

describe('latchkey audit verify (offline)', () => {
  let cli: CliHarness;
  let dir: string;
  let keysFile: string;
  let records: AuditChainRecord[];
  let lines: string[];

  beforeEach(async () => {
    cli = new CliHarness();
    dir = cli.configHome;
    const key = await readCheckpointSigningKey(
      generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }),
    );
    const gatewayKey = auditSigningKeyFromSeed('gateway', generateAuditSigningKey().seed);
    records = chain(
      [1, 2, 3].map((seq) =>
        signAuditEvent(
          {
            specversion: '1.0',
            id: randomUUID(),
            source: `${ISSUER}/gateway`,
            type: 'login.failed',
            time: '2030-01-01T00:00:00.000Z',
            datacontenttype: 'application/json',
            data: { sub: `user-${seq}` },
          },
          gatewayKey,
        ),
      ),
    );
    const checkpoint = await signCheckpoint(key, {
      iss: ISSUER,
      seq: 3,
      hash: records[2]!.hash,
      time: '2030-01-01T00:00:01.000Z',
    });
    const keys = {
      keys: [key.publicJwk],
      event_keys: [auditEventKeyJwk(auditVerificationKeyOf(gatewayKey))],
    };
    keysFile = path.join(dir, 'keys.json');
    fs.writeFileSync(keysFile, JSON.stringify(keys));
    lines = [
      exportHeader(ISSUER, keys, new Date('2030-01-02T00:00:00Z')),
      exportCheckpointLine(checkpoint),
      ...records.map(exportEventLine),
    ];
  });
  afterEach(() => cli.cleanup());

  const write = (content: string[]) => {
    const file = path.join(dir, 'export.jsonl');
    fs.writeFileSync(file, `${content.join('\n')}\n`);
    return file;
  };

  it('exits 0 and says VALID for an untouched export with trusted keys', async () => {
    const result = await cli.run(['audit', 'verify', write(lines), '--keys', keysFile], {
      tty: true,
    });
    expect(result).toEqual({
      code: 0,
      stdout:
        'VALID: 3 event(s), last seq 3\ncheckpoints: 1 of 1 verified (keys from --keys)\nevent signatures: 3 checked\n',
      stderr: '',
    });
  });

  it('exits 1 with the report when the export was cut after its checkpoint', async () => {
    const file = write(lines.slice(0, -1));
    const result = await cli.run(['--output', 'json', 'audit', 'verify', file, '--keys', keysFile]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      valid: false,
      events: 2,
      problems: [{ line: 2, seq: 3, reason: 'checkpoint_beyond_head' }],
    });
    expect(result.stderr).toContain('does not verify');
  });

  it('names the line of an edited event', async () => {
    const edited = JSON.parse(lines[3]!) as AuditChainRecord;
    edited.event.data = { sub: 'someone-else' };
    lines[3] = JSON.stringify({ ...edited, kind: 'event' });
    const result = await cli.run(['audit', 'verify', write(lines), '--keys', keysFile], {
      tty: true,
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'line 4 (seq 2): hash_mismatch: the hash does not recompute from the event',
    );
  });

  it('names an event edited with the chain hashes recomputed: the chain holds, its signature does not', async () => {
    const events = records.map((r) => r.event);
    events[2] = { ...events[2]!, data: { sub: 'someone-else' } };
    // No checkpoint past it either: without signatures nothing would tell.
    const rewritten = [lines[0]!, ...chain(events).map(exportEventLine)];
    const result = await cli.run([
      '--output',
      'json',
      'audit',
      'verify',
      write(rewritten),
      '--keys',
      keysFile,
    ]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      valid: false,
      event_signatures_checked: 3,
      problems: [
        {
          line: 4,
          seq: 3,
          reason: 'event_signature',
          detail: 'the signature does not match the event',
        },
      ],
    });
  });

  it('refuses an unsigned event', async () => {
    const events = records.map((r) => r.event);
    const {
      sig: _sig,
      sigkid: _sigkid,
      ...unsigned
    } = events[0] as AuditEvent & {
      sig: string;
      sigkid: string;
    };
    events[0] = unsigned;
    const rewritten = [lines[0]!, ...chain(events).map(exportEventLine)];
    const result = await cli.run(['audit', 'verify', write(rewritten), '--keys', keysFile], {
      tty: true,
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'line 2 (seq 1): event_signature: the event carries no signature (sig, sigkid)',
    );
  });

  it('says when the keys came from the file itself', async () => {
    const result = await cli.run(['audit', 'verify', write(lines)], { tty: true });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('(keys from the file itself)');
  });

  it('is a usage error without a readable file or with a --keys that is not a JWKS', async () => {
    expect((await cli.run(['audit', 'verify', path.join(dir, 'missing.jsonl')])).code).toBe(2);
    fs.writeFileSync(path.join(dir, 'bad-keys.json'), '{"kty":"OKP"}');
    const bad = await cli.run([
      'audit',
      'verify',
      write(lines),
      '--keys',
      path.join(dir, 'bad-keys.json'),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('must hold a JWKS');
  });
});
