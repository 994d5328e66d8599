import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  AuditQueryResponse,
  AuditVerifyResponse,
  StoredAuditEvent,
} from '@latchkey/contracts';
import type { DataSource } from 'typeorm';
import { AuditChain } from '../chain/audit-chain.service';
import { type AuditEventRow, AuditEventsRepository } from '../chain/audit-events.repository';
import { encodeAuditCursor, readAuditQuery, readVerifyRange } from './audit-query';

/** Reading the log: pages of stored events, and the proof that the chain is intact. */
@Injectable()
export class AuditQueryService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: AuditEventsRepository,
    private readonly chain: AuditChain,
  ) {}

  /** Newest first; one row more than asked tells whether there is a next page. */
  async query(request: unknown): Promise<AuditQueryResponse> {
    const { filter, limit } = readAuditQuery(request);
    const rows = await this.events.page(this.dataSource.manager, filter, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toStoredEvent),
      next_cursor: rows.length > limit && last ? encodeAuditCursor(last.seq) : null,
    };
  }

  async verify(request: unknown): Promise<AuditVerifyResponse> {
    return this.chain.verify(readVerifyRange(request));
  }
}

function toStoredEvent(row: AuditEventRow): StoredAuditEvent {
  return { ...row.event, seq: Number(row.seq), hash: row.hash, prev_hash: row.prev_hash };
}
