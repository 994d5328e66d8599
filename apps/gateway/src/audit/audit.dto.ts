import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  type AuditChainProblem,
  type AuditChainRecord,
  type AuditCheckpoint,
  type AuditCheckpointJwk,
  type AuditEventKeyJwk,
  type AuditEvent,
  AUDIT_EVENT_TYPES,
  type AuditEventData,
  type AuditEventType,
  type AuditVerifyResponse,
  type StoredAuditEvent,
} from '@latchkey/contracts';

/* OpenAPI descriptions of the audit log endpoints; the audit service validates the input. */

const AUDIT_CHAIN_PROBLEMS: AuditChainProblem[] = [
  'hash_mismatch',
  'broken_link',
  'id_mismatch',
  'checkpoint_mismatch',
  'checkpoint_beyond_head',
  'checkpoint_signature',
];

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

  @ApiPropertyOptional({ enum: AUDIT_CHAIN_PROBLEMS })
  reason?: AuditChainProblem;

  @ApiPropertyOptional({ description: 'Signed checkpoints compared with the chain' })
  checkpoints_checked?: number;

  @ApiPropertyOptional({ description: 'The seq of the checkpoint that failed' })
  checkpoint_seq?: number;

  @ApiPropertyOptional({
    description: 'The last valid row checked: keep it elsewhere to detect a later truncation',
  })
  last_seq?: number;

  @ApiPropertyOptional()
  last_hash?: string;
}

/** One row of the chain as exported: the event exactly as hashed, and its links. */
export class AuditChainRecordDto implements AuditChainRecord {
  @ApiProperty({ description: 'Position in the chain' })
  seq: number;

  @ApiProperty({ description: 'The hash of the row before (64 zeros for the first)' })
  prev_hash: string;

  @ApiProperty({ description: 'sha256(prev_hash ‖ canonical JSON of the event), hex' })
  hash: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The CloudEvents 1.0 event as stored',
  })
  event: AuditEvent;
}

export class AuditExportPageDto {
  @ApiProperty({ type: [AuditChainRecordDto], description: 'Oldest first' })
  items: AuditChainRecordDto[];

  @ApiProperty({ type: String, nullable: true })
  next_cursor: string | null;
}

export class AuditCheckpointDto implements AuditCheckpoint {
  @ApiProperty({ description: 'The chain head it signs' })
  seq: number;

  @ApiProperty({ description: 'The hash of the row at seq' })
  hash: string;

  @ApiProperty({ format: 'date-time' })
  time: string;

  @ApiProperty({ description: 'The signing key in GET /admin/audit/keys' })
  kid: string;

  @ApiProperty({
    description: 'Compact JWS (EdDSA, typ latchkey-audit-checkpoint) over {iss, seq, hash, time}',
  })
  jws: string;
}

export class AuditCheckpointPageDto {
  @ApiProperty({ type: [AuditCheckpointDto], description: 'Oldest first' })
  items: AuditCheckpointDto[];

  @ApiProperty({ type: String, nullable: true })
  next_cursor: string | null;
}

export class AuditCheckpointJwkDto implements AuditCheckpointJwk {
  @ApiProperty({ enum: ['OKP'] })
  kty: 'OKP';

  @ApiProperty({ enum: ['Ed25519'] })
  crv: 'Ed25519';

  @ApiProperty({ description: 'The public key, base64url' })
  x: string;

  @ApiProperty({ description: 'RFC 7638 thumbprint' })
  kid: string;

  @ApiProperty({ enum: ['EdDSA'] })
  alg: 'EdDSA';

  @ApiProperty({ enum: ['sig'] })
  use: 'sig';
}

export class AuditEventKeyJwkDto extends AuditCheckpointJwkDto implements AuditEventKeyJwk {
  @ApiProperty({ description: 'The service whose events the key signs (their `source`)' })
  service: string;
}

export class AuditKeysDto {
  @ApiProperty({ type: [AuditCheckpointJwkDto], description: 'The checkpoint keys' })
  keys: AuditCheckpointJwkDto[];

  @ApiProperty({
    type: [AuditEventKeyJwkDto],
    required: false,
    description: "The keys the services sign events with (each event's `sigkid`)",
  })
  event_keys?: AuditEventKeyJwkDto[];
}
