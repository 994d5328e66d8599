import { Injectable } from '@nestjs/common';
import {
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
}
