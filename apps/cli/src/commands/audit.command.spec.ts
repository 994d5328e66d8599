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
import { AUDIT_GENESIS_HASH, type AuditChainRecord, type AuditEvent } from '@latchkey/contracts';
import { CliHarness } from '../fixtures/cli-harness';

const ISSUER = 'https://id.example.com';

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
    records = [];
    let prev = AUDIT_GENESIS_HASH;
    for (let seq = 1; seq <= 3; seq++) {
      const event: AuditEvent = {
        specversion: '1.0',
        id: randomUUID(),
        source: 'gateway',
        type: 'login.failed',
        time: '2030-01-01T00:00:00.000Z',
        datacontenttype: 'application/json',
        data: { sub: `user-${seq}` },
      };
      const hash = createHash('sha256')
        .update(prev + canonicalJson(event))
        .digest('hex');
      records.push({ seq, prev_hash: prev, hash, event });
      prev = hash;
    }
    const checkpoint = await signCheckpoint(key, {
      iss: ISSUER,
      seq: 3,
      hash: prev,
      time: '2030-01-01T00:00:01.000Z',
    });
    const keys = { keys: [key.publicJwk] };
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
      stdout: 'VALID: 3 event(s), last seq 3\ncheckpoints: 1 of 1 verified (keys from --keys)\n',
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
