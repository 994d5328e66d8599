import {
  AUDIT_GENESIS_HASH,
  type AuditChainProblem,
  type AuditChainRecord,
  type AuditCheckpoint,
  auditEventKeyRing,
  type AuditKeysResponse,
  type AuditSignatureProblem,
  type AuditVerificationKey,
  verifyAuditEventSignature,
} from '@latchkey/contracts';
import type { JSONWebKeySet } from 'jose';
import { chainHash } from './chain-hash';
import { verifyCheckpoint } from './checkpoint';
import { AUDIT_EXPORT_FORMAT, AUDIT_EXPORT_VERSION, type AuditExportHeader } from './export-format';

export interface ExportVerifyOptions {
  /**
   * The checkpoint and event keys to trust, obtained out of band (`--keys`). Without them the
   * keys in the export's own header are used, which proves only that the file is consistent with
   * itself.
   */
  trustedKeys?: AuditKeysResponse;
}

/** What an event whose signature fails is reported with. */
const SIGNATURE_PROBLEMS: Record<AuditSignatureProblem, string> = {
  unsigned: 'the event carries no signature (sig, sigkid)',
  unknown_key: 'signed by a key that is not among the event keys',
  wrong_source: "signed by another service's key than its source's",
  bad_signature: 'the signature does not match the event',
};

export type ExportProblemReason =
  AuditChainProblem | 'malformed_line' | 'seq_gap' | 'event_signature' | 'no_events';

export interface ExportProblem {
  /** 1-based line of the file. */
  line: number;
  seq?: number;
  reason: ExportProblemReason;
  detail: string;
}

export interface ExportVerifyReport {
  /** True when every line parsed, the chain recomputes and links, and every checkpoint holds. */
  valid: boolean;
  issuer?: string;
  events: number;
  last_seq?: number;
  last_hash?: string;
  checkpoints: number;
  checkpoints_verified: number;
  /** Where the checkpoint keys came from: `--keys` (trusted) or the file's header (self-asserted). */
  keys_from: 'trusted' | 'file' | 'none';
  event_signatures_checked: number;
  /** At most {@link MAX_REPORTED_PROBLEMS}, in file order. */
  problems: ExportProblem[];
}

/** A file broken in many places needs its first problems, not a million lines of them. */
export const MAX_REPORTED_PROBLEMS = 100;

interface CheckpointAt {
  line: number;
  checkpoint: AuditCheckpoint;
}

/**
 * Verifies an export (JSON Lines, docs/audit.md) offline: each event's hash recomputes from its
 * prev_hash and canonical JSON; each prev_hash is the hash of the event before, from the genesis
 * hash on, with no seq missing; each event is signed by the key of the service it names as its
 * source, among the event keys; each checkpoint is signed by a trusted key and names a seq whose
 * event has exactly its hash (a checkpoint past the last event means rows were cut off).
 */
export async function verifyAuditExport(
  lines: AsyncIterable<string> | Iterable<string>,
  options: ExportVerifyOptions = {},
): Promise<ExportVerifyReport> {
  const problems: ExportProblem[] = [];
  const report = (problem: ExportProblem) => {
    if (problems.length < MAX_REPORTED_PROBLEMS) problems.push(problem);
  };
  let header: AuditExportHeader | undefined;
  const checkpoints: CheckpointAt[] = [];
  // The hash at each seq, for the checkpoints (which may come before or after their event).
  const hashes = new Map<number, string>();
  let expectedPrev = AUDIT_GENESIS_HASH;
  let expectedSeq = 1;
  let events = 0;
  let lastSeq: number | undefined;
  let eventSignatures = 0;
  // Known once the header is read (the first line), before any event.
  let eventKeys: ReadonlyMap<string, AuditVerificationKey> | undefined;
  let lineNo = 0;
  let problemCount = 0;
  const fail = (problem: ExportProblem) => {
    problemCount += 1;
    report(problem);
  };

  for await (const text of lines) {
    lineNo += 1;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      fail({ line: lineNo, reason: 'malformed_line', detail: 'not JSON' });
      continue;
    }
    const kind = (value as { kind?: unknown } | null)?.kind;
    if (kind === 'header') {
      const problem = headerProblem(value, lineNo, header !== undefined);
      if (problem) fail(problem);
      else header = value as AuditExportHeader;
    } else if (kind === 'checkpoint') {
      if (isCheckpoint(value)) checkpoints.push({ line: lineNo, checkpoint: value });
      else fail({ line: lineNo, reason: 'malformed_line', detail: 'not a checkpoint' });
    } else if (kind === 'event') {
      if (!isChainRecord(value)) {
        fail({ line: lineNo, reason: 'malformed_line', detail: 'not an event record' });
        continue;
      }
      events += 1;
      const problem = recordProblem(value, expectedSeq, expectedPrev);
      if (problem) fail({ line: lineNo, seq: value.seq, ...problem });
      // The emitting service's signature, stored with the event and covered by its hash.
      eventKeys ??= auditEventKeyRing((options.trustedKeys ?? header?.keys)?.event_keys);
      eventSignatures += 1;
      const signature = verifyAuditEventSignature(value.event, eventKeys);
      if (!signature.valid) {
        const detail = SIGNATURE_PROBLEMS[signature.problem];
        fail({ line: lineNo, seq: value.seq, reason: 'event_signature', detail });
      }
      hashes.set(value.seq, value.hash);
      // Go on from what the file says, so one bad row is reported once, not at every row after.
      expectedSeq = value.seq + 1;
      expectedPrev = value.hash;
      lastSeq = value.seq;
    } else {
      fail({ line: lineNo, reason: 'malformed_line', detail: 'unknown kind' });
    }
  }

  if (!header)
    fail({ line: 1, reason: 'malformed_line', detail: `no ${AUDIT_EXPORT_FORMAT} header` });
  if (events === 0 && checkpoints.length > 0) {
    fail({ line: lineNo, reason: 'no_events', detail: 'checkpoints but no events' });
  }

  const keys = (options.trustedKeys ?? header?.keys) as JSONWebKeySet | undefined;
  let verified = 0;
  for (const { line, checkpoint } of checkpoints) {
    const problem = await checkpointProblem(checkpoint, keys, header?.issuer, hashes, lastSeq);
    if (problem) fail({ line, seq: checkpoint.seq, ...problem });
    else verified += 1;
  }

  return {
    valid: problemCount === 0,
    ...(header ? { issuer: header.issuer } : {}),
    events,
    ...(lastSeq !== undefined ? { last_seq: lastSeq, last_hash: hashes.get(lastSeq) } : {}),
    checkpoints: checkpoints.length,
    checkpoints_verified: verified,
    keys_from: options.trustedKeys ? 'trusted' : header ? 'file' : 'none',
    event_signatures_checked: eventSignatures,
    problems,
  };
}

type Finding = Pick<ExportProblem, 'reason' | 'detail'>;

/** The rules of docs/architecture.md §6 for one row, in the order a reader would check them. */
function recordProblem(
  record: AuditChainRecord,
  expectedSeq: number,
  expectedPrev: string,
): Finding | undefined {
  if (chainHash(record.prev_hash, record.event) !== record.hash) {
    return { reason: 'hash_mismatch', detail: 'the hash does not recompute from the event' };
  }
  if (record.prev_hash !== expectedPrev) {
    return { reason: 'broken_link', detail: 'prev_hash is not the hash of the event before' };
  }
  if (record.seq !== expectedSeq) {
    return { reason: 'seq_gap', detail: `expected seq ${expectedSeq}` };
  }
  return undefined;
}

async function checkpointProblem(
  checkpoint: AuditCheckpoint,
  keys: JSONWebKeySet | undefined,
  issuer: string | undefined,
  hashes: ReadonlyMap<number, string>,
  lastSeq: number | undefined,
): Promise<Finding | undefined> {
  if (!keys) return { reason: 'checkpoint_signature', detail: 'no keys to verify it with' };
  const signature = await verifyCheckpoint(checkpoint, keys, issuer);
  if (signature) return { reason: 'checkpoint_signature', detail: signature };
  const hash = hashes.get(checkpoint.seq);
  if (hash === undefined) {
    return lastSeq === undefined || checkpoint.seq > lastSeq
      ? { reason: 'checkpoint_beyond_head', detail: 'the chain ends before this checkpoint' }
      : { reason: 'checkpoint_mismatch', detail: 'no event at this seq' };
  }
  return hash === checkpoint.hash
    ? undefined
    : { reason: 'checkpoint_mismatch', detail: 'the event at this seq has another hash' };
}

function headerProblem(value: unknown, line: number, seen: boolean): ExportProblem | undefined {
  const header = value as Partial<AuditExportHeader>;
  if (seen) return { line, reason: 'malformed_line', detail: 'a second header' };
  if (header.format !== AUDIT_EXPORT_FORMAT || header.version !== AUDIT_EXPORT_VERSION) {
    return { line, reason: 'malformed_line', detail: 'unknown export format or version' };
  }
  if (typeof header.issuer !== 'string' || !Array.isArray(header.keys?.keys)) {
    return { line, reason: 'malformed_line', detail: 'header without issuer or keys' };
  }
  return undefined;
}

const HEX64 = /^[0-9a-f]{64}$/;

function isChainRecord(value: unknown): value is AuditChainRecord {
  const record = value as Partial<AuditChainRecord>;
  return (
    Number.isSafeInteger(record.seq) &&
    (record.seq as number) > 0 &&
    typeof record.prev_hash === 'string' &&
    HEX64.test(record.prev_hash) &&
    typeof record.hash === 'string' &&
    HEX64.test(record.hash) &&
    typeof record.event === 'object' &&
    record.event !== null &&
    !Array.isArray(record.event)
  );
}

function isCheckpoint(value: unknown): value is AuditCheckpoint {
  const checkpoint = value as Partial<AuditCheckpoint>;
  return (
    Number.isSafeInteger(checkpoint.seq) &&
    typeof checkpoint.hash === 'string' &&
    typeof checkpoint.time === 'string' &&
    typeof checkpoint.kid === 'string' &&
    typeof checkpoint.jws === 'string'
  );
}
