import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type AuditExportRequest,
  type AuditExportResponse,
  type AuditQueryRequest,
  type AuditQueryResponse,
  AuditSubjects,
  type AuditVerifyRequest,
  type AuditVerifyResponse,
} from '@latchkey/contracts';
import { AuditQueryService } from './audit-query.service';

/** `audit.query`, `audit.verify` and `audit.export`, asked by the gateway's admin API. */
@Controller()
export class AuditQueryController {
  constructor(private readonly audit: AuditQueryService) {}

  @MessagePattern(AuditSubjects.Query)
  query(@Payload() request: AuditQueryRequest): Promise<AuditQueryResponse> {
    return this.audit.query(request);
  }

  @MessagePattern(AuditSubjects.Verify)
  verify(@Payload() request: AuditVerifyRequest): Promise<AuditVerifyResponse> {
    return this.audit.verify(request);
  }

  @MessagePattern(AuditSubjects.Export)
  export(@Payload() request: AuditExportRequest): Promise<AuditExportResponse> {
    return this.audit.export(request);
  }
}
