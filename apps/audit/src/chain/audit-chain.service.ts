import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { AuditEvent, AuditVerifyResponse } from '@latchkey/contracts';
import type { DataSource } from 'typeorm';
import { type AuditEventRow, AuditEventsRepository } from './audit-events.repository';
import { AUDIT_GENESIS_HASH, chainHash } from '@latchkey/audit-chain';

export interface AppendResult {
  /** False when the event id was already in the chain (a redelivery): nothing was written. */
  stored: boolean;
  seq: number;
}

export interface VerifyRange {
  fromSeq?: string;
  toSeq?: string;
}

/** Rows read per query while walking the chain. */
export const VERIFY_BATCH_SIZE = 1000;

/**
 * The hash chain: appends one event at a time (whatever the replica) and proves the stored rows.
 */
@Injectable()
export class AuditChain {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: AuditEventsRepository,
  ) {}

  /**
   * Stores the event once: under the chain lock, an id already present is a redelivery (at least
   * once) and is skipped; otherwise the row is chained to the newest one.
   */
  async append(event: AuditEvent): Promise<AppendResult> {
    const [result] = await this.appendMany([event]);
    return result;
  }

  /**
   * Appends events in the given order in one transaction (one lock, one commit for a batch of
   * stream messages, docs/architecture.md §6): each is stored once, chained to the one before.
   */
  appendMany(events: readonly AuditEvent[]): Promise<AppendResult[]> {
    return this.dataSource.transaction(async (em) => {
      await this.events.lockChain(em);
      const known = await this.events.findSeqsByIds(
        em,
        events.map((event) => event.id),
      );
      let prevHash = (await this.events.lastHash(em)) ?? AUDIT_GENESIS_HASH;
      const results: AppendResult[] = [];
      for (const event of events) {
        const existing = known.get(event.id.toLowerCase());
        if (existing !== undefined) {
          results.push({ stored: false, seq: Number(existing) });
          continue;
        }
        const hash = chainHash(prevHash, event);
        const seq = await this.events.insert(em, { event, prevHash, hash });
        known.set(event.id.toLowerCase(), seq);
        prevHash = hash;
        results.push({ stored: true, seq: Number(seq) });
      }
      return results;
    });
  }

  /**
   * Recomputes every row's hash from its stored event and checks it links to the row before,
   * oldest first, in batches; stops at the first row that fails. The range ends at the newest
   * row when the walk starts (rows appended meanwhile are left for the next run).
   */
  async verify(range: VerifyRange = {}): Promise<AuditVerifyResponse> {
    const em = this.dataSource.manager;
    const head = await this.events.maxSeq(em);
    const from = range.fromSeq ?? '1';
    if (head === undefined || BigInt(from) > BigInt(head)) return { valid: true, checked: 0 };
    const to = range.toSeq !== undefined && BigInt(range.toSeq) < BigInt(head) ? range.toSeq : head;
    let expectedPrev =
      BigInt(from) > 1n
        ? ((await this.events.hashBefore(em, from)) ?? AUDIT_GENESIS_HASH)
        : AUDIT_GENESIS_HASH;
    let after = (BigInt(from) - 1n).toString();
    let checked = 0;
    let last: AuditEventRow | undefined;
    for (;;) {
      const rows = await this.events.range(em, after, to, VERIFY_BATCH_SIZE);
      for (const row of rows) {
        checked += 1;
        const reason = checkRow(row, expectedPrev);
        if (reason) {
          return {
            valid: false,
            checked,
            first_invalid_seq: Number(row.seq),
            reason,
            ...lastChecked(last),
          };
        }
        expectedPrev = row.hash;
        last = row;
      }
      if (rows.length < VERIFY_BATCH_SIZE) break;
      after = rows[rows.length - 1].seq;
    }
    return { valid: true, checked, ...lastChecked(last) };
  }
}

/** Why a row breaks the chain, if it does. */
export function checkRow(
  row: AuditEventRow,
  expectedPrev: string,
): AuditVerifyResponse['reason'] | undefined {
  if (chainHash(row.prev_hash, row.event) !== row.hash) return 'hash_mismatch';
  if (row.prev_hash !== expectedPrev) return 'broken_link';
  if (typeof row.event.id !== 'string' || row.event.id.toLowerCase() !== row.id.toLowerCase()) {
    return 'id_mismatch';
  }
  return undefined;
}

function lastChecked(
  row: AuditEventRow | undefined,
): Pick<AuditVerifyResponse, 'last_seq' | 'last_hash'> {
  return row ? { last_seq: Number(row.seq), last_hash: row.hash } : {};
}
