import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  AUDIT_EVENT_TYPES,
  type AuditEventData,
  type AuditEventType,
  type AuditVerifyResponse,
  type StoredAuditEvent,
} from '@latchkey/contracts';

/* OpenAPI descriptions of the audit log endpoints; the audit service validates the input. */

/** A stored audit event: a CloudEvents 1.0 JSON event with its place in the hash chain. */
export class AuditEventDto implements StoredAuditEvent {
  @ApiProperty({ enum: ['1.0'] })
  specversion: '1.0';

  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'token', description: 'The emitting service' })
  source: string;

  @ApiProperty({ enum: AUDIT_EVENT_TYPES })
  type: AuditEventType;

  @ApiProperty({ format: 'date-time', description: 'When it happened' })
  time: string;

  @ApiPropertyOptional({ description: 'What it is about: a client id, a user id, a grant id' })
  subject?: string;

  @ApiProperty({ enum: ['application/json'] })
  datacontenttype: 'application/json';

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'The actors (client_id, sub, session, grant, ip, user_agent) and event facts; never a secret, password, code or token',
    example: {
      client_id: 'my-app',
      sub: '3f1c9a5e-2b7d-4e18-9f0a-6c2d8e4b1a7f',
      ip: '203.0.113.7',
    },
  })
  data: AuditEventData;

  @ApiPropertyOptional({ description: 'The request id of the log lines this event belongs to' })
  requestid?: string;

  @ApiProperty({ description: 'Position in the chain (insertion order)' })
  seq: number;

  @ApiProperty({ description: 'sha256(prev_hash ‖ canonical JSON of the event), hex' })
  hash: string;

  @ApiProperty({ description: 'The hash of the row before (64 zeros for the first)' })
  prev_hash: string;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEventDto], description: 'Newest first' })
  items: AuditEventDto[];

  @ApiProperty({ type: String, nullable: true })
  next_cursor: string | null;
}

export class AuditVerifyDto implements AuditVerifyResponse {
  @ApiProperty({
    description: 'True when every row checked recomputes and links to the one before',
  })
  valid: boolean;

  @ApiProperty({ description: 'Rows checked, up to and including the first invalid one' })
  checked: number;

  @ApiPropertyOptional({ description: 'The first row that breaks the chain' })
  first_invalid_seq?: number;

  @ApiPropertyOptional({ enum: ['hash_mismatch', 'broken_link', 'id_mismatch'] })
  reason?: 'hash_mismatch' | 'broken_link' | 'id_mismatch';

  @ApiPropertyOptional({
    description: 'The last valid row checked: keep it elsewhere to detect a later truncation',
  })
  last_seq?: number;

  @ApiPropertyOptional()
  last_hash?: string;
}
