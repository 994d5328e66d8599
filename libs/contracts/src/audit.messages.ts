/**
 * Audit events (docs/architecture.md §6): the wire format every service emits and the audit service stores.
 * Event types, the stream and its subjects are part of the contract that security teams consume;
 * never rename one without a migration plan.
 */
import { installationSubject } from './subjects';
import { AUDIT_EVENT_CATALOGUE, type AuditActorType } from './audit-event.catalogue';

/** Every audit event type, `<noun>.<verb>` (the catalogue is their one home). */
export const AUDIT_EVENT_TYPES = Object.keys(AUDIT_EVENT_CATALOGUE) as AuditEventType[];

export type AuditEventType = keyof typeof AUDIT_EVENT_CATALOGUE;

/** The shape of a type; the audit service stores well-formed types it does not know yet (rolling updates). */
export const AUDIT_EVENT_TYPE_FORMAT = /^[a-z][a-z_]{0,39}\.[a-z][a-z_]{0,59}$/;

export function isAuditEventType(value: unknown): value is AuditEventType {
  return typeof value === 'string' && (AUDIT_EVENT_TYPES as readonly string[]).includes(value);
}

/** JSON as it crosses the wire and is stored in jsonb. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Who did what (docs/architecture.md §6): the actors of an event. Identifiers only, never a secret, password,
 * code or token; see {@link AUDIT_DENIED_DATA_KEYS}.
 */
export interface AuditActors {
  /** Who caused the event (every stored event has one; the audit client fills it in). */
  actor?: AuditActor;
  client_id?: string;
  /** The end-user. */
  sub?: string;
  /** SSO session id (`sid`). */
  session?: string;
  /** Grant id (the consent a refresh token family belongs to). */
  grant?: string;
  ip?: string;
  user_agent?: string;
}

/** Who acted: `id` is a `sub`, a client id or a service name (none for anonymous). */
export type AuditActor = {
  type: AuditActorType;
  id?: string;
};

/** Event data: the actors plus event-specific facts (scope, reason, changed fields...). */
export type AuditEventData = AuditActors & { [key: string]: JsonValue | undefined };

/** A CloudEvents 1.0 JSON event (https://github.com/cloudevents/spec, JSON format). */
export interface AuditEvent {
  specversion: '1.0';
  /** UUID; also the JetStream `Nats-Msg-Id`, so duplicates within the window are dropped. */
  id: string;
  /** The emitting installation and service, a URI: `<issuer>/<service>`. */
  source: string;
  type: AuditEventType;
  /** ISO 8601 with time zone, when it happened. */
  time: string;
  /** What the event is about: a client id, a user id, a grant id... */
  subject?: string;
  datacontenttype: 'application/json';
  /** The versioned schema of the event (`auditDataSchemaUri`). */
  dataschema?: string;
  /** CloudEvents extension: the installation's OpenID issuer. */
  issuer?: string;
  data: AuditEventData;
  /** CloudEvents extension: the request id of the log lines this event belongs to. */
  requestid?: string;
}

/**
 * Keys that must never appear in event data, at any depth (case-insensitive). The audit client
 * strips them (and keys ending in `_token`, `_secret` or `password`) with a warning.
 */
export const AUDIT_DENIED_DATA_KEYS = [
  'password',
  'secret',
  'client_secret',
  'code',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'assertion',
  'client_assertion',
  'code_verifier',
  'authorization',
  'cookie',
  'registration_access_token',
  'initial_access_token',
  'private_key',
] as const;

/** Suffixes that mark a credential whatever the prefix (`new_password`, `logout_token`...). */
export const AUDIT_DENIED_DATA_KEY_SUFFIXES = ['_token', '_secret', 'password'] as const;

/** The JetStream stream that carries audit events. */
export const AUDIT_STREAM = 'AUDIT';
/** The audit service's durable pull consumer on {@link AUDIT_STREAM}. */
export const AUDIT_CONSUMER = 'audit-store';
/** Events are published on `audit.<type>`, e.g. `audit.token.issued`. */
export const AUDIT_SUBJECT_PREFIX = 'audit.';

/** The audit event subjects' prefix of an installation: `audit.`, or `<NATS_SUBJECT_PREFIX>.audit.`. */
export function installationAuditPrefix(installationPrefix: string | undefined): string {
  return installationSubject(installationPrefix, AUDIT_SUBJECT_PREFIX);
}

export function auditSubject(type: string, prefix: string = AUDIT_SUBJECT_PREFIX): string {
  return `${prefix}${type}`;
}

/**
 * The stream's subject filter: `audit.*.*`, i.e. exactly the event subjects. Not `audit.>`, which
 * would also capture the audit service's request subjects (`audit.query`...) and answer them
 * with a JetStream PubAck.
 */
export function auditStreamSubjects(prefix: string = AUDIT_SUBJECT_PREFIX): string[] {
  return [`${prefix}*.*`];
}

/**
 * Where the audit service moves a message it could not store after its deliveries ran out
 * (`audit.dead_letter`): one token after the prefix, so the event stream does not capture it.
 * A stream of its own keeps them for inspection.
 */
export function auditDeadLetterSubject(prefix: string = AUDIT_SUBJECT_PREFIX): string {
  return `${prefix}dead_letter`;
}
/** The dead-letter stream beside an audit stream (`AUDIT` → `AUDIT_DEAD_LETTER`). */
export function deadLetterStreamOf(streamName: string): string {
  return `${streamName}_DEAD_LETTER`;
}
export const AUDIT_DEAD_LETTER_STREAM = deadLetterStreamOf(AUDIT_STREAM);

/** SHA-256 hex of nothing before the first event: the chain's genesis `prev_hash`. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** A stored event with its place in the hash chain. */
export type StoredAuditEvent = AuditEvent & {
  seq: number;
  /** sha256(prev_hash ‖ canonical JSON of the event), hex. */
  hash: string;
  prev_hash: string;
};

/** `audit.ingest` (embedded mode): store one event; answered once it is stored (or known). */
export type AuditIngestRequest = AuditEvent;
export interface AuditIngestResponse {
  /** False when the event id was already stored (an at-least-once redelivery). */
  stored: boolean;
  seq: number;
}

export const AUDIT_QUERY_DEFAULT_LIMIT = 100;
export const AUDIT_QUERY_MAX_LIMIT = 500;

/** `audit.query`: newest first, every filter optional. */
export interface AuditQueryRequest {
  type?: string;
  subject?: string;
  client_id?: string;
  sub?: string;
  /** ISO 8601: events whose `time` is at or after this. */
  since?: string;
  /** ISO 8601: events whose `time` is before this. */
  until?: string;
  /** 1..500, default 100. */
  limit?: number;
  /** `next_cursor` of the previous page. */
  cursor?: string;
}
export interface AuditQueryResponse {
  items: StoredAuditEvent[];
  next_cursor: string | null;
}

/** `audit.verify`: recompute the chain over a range (the whole chain by default). */
export interface AuditVerifyRequest {
  from_seq?: number;
  to_seq?: number;
}
export interface AuditVerifyResponse {
  valid: boolean;
  /** Rows checked, up to and including the first invalid one. */
  checked: number;
  first_invalid_seq?: number;
  /** Why the first invalid row (or checkpoint) failed. */
  reason?: AuditChainProblem;
  /** Signed checkpoints compared with the chain (docs/audit.md). */
  checkpoints_checked?: number;
  /** The checkpoint that failed, when one did (its seq). */
  checkpoint_seq?: number;
  /**
   * The last row checked. Truncating the newest rows leaves a valid chain; keeping the head
   * somewhere else (a ticket, another system) and comparing later detects that too.
   */
  last_seq?: number;
  last_hash?: string;
}

/**
 * Why a chain does not prove itself: a row that does not recompute (`hash_mismatch`), does not
 * link to the row before (`broken_link`, also a deleted or reordered row), whose id column is not
 * its event's (`id_mismatch`), or a signed checkpoint that does not match the stored row at its
 * seq (`checkpoint_mismatch`), names a row that is gone (`checkpoint_beyond_head`: the chain was
 * truncated), or is not signed by a published key (`checkpoint_signature`).
 */
export type AuditChainProblem =
  | 'hash_mismatch'
  | 'broken_link'
  | 'id_mismatch'
  | 'checkpoint_mismatch'
  | 'checkpoint_beyond_head'
  | 'checkpoint_signature';

/** One row of the chain: the event exactly as stored and hashed, and its links. */
export interface AuditChainRecord {
  seq: number;
  /** The hash of the row before (64 zeros for the first). */
  prev_hash: string;
  /** sha256(prev_hash ‖ canonical JSON of the event), hex. */
  hash: string;
  event: AuditEvent;
}

export const AUDIT_EXPORT_DEFAULT_LIMIT = 500;
export const AUDIT_EXPORT_MAX_LIMIT = 1000;

/**
 * `audit.export`: stored rows oldest first, after `after_seq` (or the cursor), optionally only
 * those of a type, subject or client: the export and the live tail read the chain this way.
 */
export interface AuditExportRequest {
  after_seq?: number;
  cursor?: string;
  type?: string;
  subject?: string;
  client_id?: string;
  /** 1..1000, default 500. */
  limit?: number;
}
export interface AuditExportResponse {
  items: AuditChainRecord[];
  next_cursor: string | null;
}

/** A signed checkpoint of the chain head (docs/audit.md): the JWS signs seq, hash, time and iss. */
export interface AuditCheckpoint {
  seq: number;
  hash: string;
  /** RFC 3339, when it was taken. */
  time: string;
  /** The signing key, in the audit service's JWKS (`audit.keys`). */
  kid: string;
  /** Compact JWS (EdDSA, typ `latchkey-audit-checkpoint`). */
  jws: string;
}

/** `audit.checkpoints`: oldest first, a page at a time. */
export interface AuditCheckpointsRequest {
  cursor?: string;
  /** 1..1000, default 500. */
  limit?: number;
}
export interface AuditCheckpointsResponse {
  items: AuditCheckpoint[];
  next_cursor: string | null;
}

/** A public Ed25519 key of the audit service (RFC 8037). */
export interface AuditCheckpointJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}
/** The public Ed25519 key (RFC 8037) one service signs its audit events with, naming the service. */
export interface AuditEventKeyJwk extends AuditCheckpointJwk {
  service: string;
}
/**
 * `audit.keys`: the JWKS that verifies checkpoints (the current key and retired ones) and, as a
 * member of its own, the keys the services sign events with: kept apart so that no service's
 * key can ever verify a checkpoint. A JWKS reader ignores the member it does not know (RFC 7517
 * §5). Absent from exports made before the event keys were published.
 */
export interface AuditKeysResponse {
  keys: AuditCheckpointJwk[];
  event_keys?: AuditEventKeyJwk[];
}
