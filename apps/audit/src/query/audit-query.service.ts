import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  AuditQueryResponse,
  AuditVerifyResponse,
  StoredAuditEvent,
} from '@latchkey/contracts';
import { toPage } from '@latchkey/core';
import type { DataSource } from 'typeorm';
import { AuditChain } from '../chain/audit-chain.service';
import { type AuditEventRow, AuditEventsRepository } from '../chain/audit-events.repository';
import { readAuditQuery, readVerifyRange } from './audit-query';

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
    return toPage(rows, limit, toStoredEvent, 'before');
  }

  async verify(request: unknown): Promise<AuditVerifyResponse> {
    return this.chain.verify(readVerifyRange(request));
  }
}

function toStoredEvent(row: AuditEventRow): StoredAuditEvent {
  return { ...row.event, seq: Number(row.seq), hash: row.hash, prev_hash: row.prev_hash };
}
