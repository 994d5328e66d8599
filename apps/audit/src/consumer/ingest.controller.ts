import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { type AuditIngestResponse, AuditSubjects } from '@latchkey/contracts';
import { AuditIngest } from './audit-ingest.service';

/** Embedded mode: the services' outbox relays hand events over here instead of JetStream. */
@Controller()
export class IngestController {
  constructor(private readonly ingest: AuditIngest) {}

  @MessagePattern(AuditSubjects.Ingest)
  store(@Payload() event: unknown): Promise<AuditIngestResponse> {
    return this.ingest.ingest(event);
  }
}
