import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  AuditChainRecord,
  AuditExportResponse,
  AuditQueryResponse,
  AuditVerifyResponse,
  StoredAuditEvent,
} from '@latchkey/contracts';
import { encodeSeqCursor, toPage } from '@latchkey/core';
import { auditChainVerifyFailures } from '@latchkey/platform';
import type { DataSource } from 'typeorm';
import { AuditChain } from '../chain/audit-chain.service';
import { type AuditEventRow, AuditEventsRepository } from '../chain/audit-events.repository';
import { AuditCheckpoints } from '../checkpoints/audit-checkpoints.service';
import { readAuditExport, readAuditQuery, readVerifyRange } from './audit-query';

/** Reading the log: pages of stored events, and the proof that the chain is intact. */
@Injectable()
export class AuditQueryService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: AuditEventsRepository,
    private readonly chain: AuditChain,
    private readonly checkpoints: AuditCheckpoints,
  ) {}

  /** Newest first; one row more than asked tells whether there is a next page. */
  async query(request: unknown): Promise<AuditQueryResponse> {
    const { filter, limit } = readAuditQuery(request);
    const rows = await this.events.page(this.dataSource.manager, filter, limit + 1);
    return toPage(rows, limit, toStoredEvent, 'before');
  }

  /**
   * The chain recomputes and links, and every signed checkpoint in the range still matches it
   * (docs/audit.md). A failure counts in latchkey_audit_chain_verify_failures_total.
   */
  async verify(request: unknown): Promise<AuditVerifyResponse> {
    const range = readVerifyRange(request);
    // Read before walking: a checkpoint taken meanwhile may name a row the walk did not reach.
    const highWater = await this.checkpoints.highWater();
    const verdict = await this.chain.verify(range);
    if (!verdict.valid) return failed(verdict);
    const lastSeq = verdict.last_seq === undefined ? undefined : String(verdict.last_seq);
    const checked = await this.checkpoints.check({
      fromSeq: range.fromSeq ?? '1',
      lastSeq,
      highWater,
      bounded:
        range.toSeq !== undefined &&
        lastSeq !== undefined &&
        BigInt(range.toSeq) <= BigInt(lastSeq),
    });
    const result = { ...verdict, ...checked };
    return result.valid ? result : failed(result);
  }

  /** Oldest first after a seq, each row with its links: the export and the live tail. */
  async export(request: unknown): Promise<AuditExportResponse> {
    const { filter, limit } = readAuditExport(request);
    const rows = await this.events.after(this.dataSource.manager, filter, limit + 1);
    const items = rows.slice(0, limit).map(toChainRecord);
    return {
      items,
      next_cursor:
        rows.length > limit ? encodeSeqCursor(String(items[items.length - 1].seq), 'after') : null,
    };
  }
}

function failed(verdict: AuditVerifyResponse): AuditVerifyResponse {
  auditChainVerifyFailures().inc({ reason: verdict.reason ?? 'unknown' });
  return verdict;
}

function toChainRecord(row: AuditEventRow): AuditChainRecord {
  return { seq: Number(row.seq), prev_hash: row.prev_hash, hash: row.hash, event: row.event };
}

function toStoredEvent(row: AuditEventRow): StoredAuditEvent {
  return { ...row.event, seq: Number(row.seq), hash: row.hash, prev_hash: row.prev_hash };
}
