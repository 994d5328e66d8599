import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  AUDIT_EXPORT_DEFAULT_LIMIT,
  AUDIT_EXPORT_MAX_LIMIT,
  type AuditCheckpointsResponse,
  type AuditKeysResponse,
  AuditSubjects,
} from '@latchkey/contracts';
import { readPageRequest } from '@latchkey/core';
import { AuditCheckpoints } from './audit-checkpoints.service';
import { CheckpointKeys } from './checkpoint-keys.service';

/** `audit.checkpoints` and `audit.keys`, asked by the gateway's admin API. */
@Controller()
export class CheckpointsController {
  constructor(
    private readonly checkpoints: AuditCheckpoints,
    private readonly keys: CheckpointKeys,
  ) {}

  @MessagePattern(AuditSubjects.Checkpoints)
  list(@Payload() request: unknown): Promise<AuditCheckpointsResponse> {
    const { limit, afterSeq } = readPageRequest(request, {
      default: AUDIT_EXPORT_DEFAULT_LIMIT,
      max: AUDIT_EXPORT_MAX_LIMIT,
    });
    return this.checkpoints.list(afterSeq ?? '0', limit);
  }

  @MessagePattern(AuditSubjects.Keys)
  jwks(): AuditKeysResponse {
    return this.keys.jwks();
  }
}
