import { Injectable } from '@nestjs/common';
import {
  type AuditCheckpointsRequest,
  type AuditCheckpointsResponse,
  type AuditExportRequest,
  type AuditExportResponse,
  type AuditKeysResponse,
  type AuditQueryRequest,
  type AuditQueryResponse,
  AuditSubjects,
  type AuditVerifyRequest,
  type AuditVerifyResponse,
} from '@latchkey/contracts';
import { BusClient } from '@latchkey/transport';

/** Walking a long chain takes longer than a lookup: verify gets its own deadline. */
export const AUDIT_VERIFY_TIMEOUT_MS = 60_000;

/** The admin API's audit log operations, answered by the audit service. */
@Injectable()
export class AdminAuditService {
  constructor(private readonly bus: BusClient) {}

  query(request: AuditQueryRequest): Promise<AuditQueryResponse> {
    return this.bus.request<AuditQueryResponse>(AuditSubjects.Query, request);
  }

  verify(request: AuditVerifyRequest): Promise<AuditVerifyResponse> {
    return this.bus.request<AuditVerifyResponse>(AuditSubjects.Verify, request, {
      timeoutMs: AUDIT_VERIFY_TIMEOUT_MS,
    });
  }

  export(request: AuditExportRequest): Promise<AuditExportResponse> {
    return this.bus.request<AuditExportResponse>(AuditSubjects.Export, request);
  }

  checkpoints(request: AuditCheckpointsRequest): Promise<AuditCheckpointsResponse> {
    return this.bus.request<AuditCheckpointsResponse>(AuditSubjects.Checkpoints, request);
  }

  /**
   * Where a live tail starts: after `lastEventId` when given, else after the newest event. Asks
   * once with the filters, so that a bad one is refused before the stream opens.
   */
  async streamStart(
    filters: Pick<AuditExportRequest, 'type' | 'subject' | 'client_id'>,
    lastEventId: number | undefined,
  ): Promise<number> {
    const start = lastEventId ?? (await this.query({ limit: 1 })).items[0]?.seq ?? 0;
    await this.export({ ...filters, after_seq: start, limit: 1 });
    return start;
  }

  keys(): Promise<AuditKeysResponse> {
    return this.bus.request<AuditKeysResponse>(AuditSubjects.Keys, {});
  }
}
