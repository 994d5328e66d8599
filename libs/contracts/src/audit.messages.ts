/**
 * Audit events (docs/architecture.md §6): the wire format every service emits and the audit service stores.
 * Event types, the stream and its subjects are part of the contract that security teams consume;
 * never rename one without a migration plan.
 */

/** Every audit event type, `<noun>.<verb>`: exactly one dot (the stream's subject filter relies on it). */
export const AUDIT_EVENT_TYPES = [
  'login.succeeded',
  'login.failed',
  'consent.granted',
  'consent.denied',
  'code.issued',
  'token.issued',
  'token.refreshed',
  'token.revoked',
  'token.refresh_reuse_detected',
  'token.code_reuse_detected',
  'client.authentication_failed',
  'client.created',
  'client.updated',
  'client.deleted',
  'client.secret_rotated',
  'user.created',
  'user.updated',
  'user.disabled',
  'session.ended',
  'logout.backchannel_failed',
  'key.rotated',
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

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

/** Event data: the actors plus event-specific facts (scope, reason, changed fields...). */
export type AuditEventData = AuditActors & { [key: string]: JsonValue | undefined };

/** A CloudEvents 1.0 JSON event (https://github.com/cloudevents/spec, JSON format). */
export interface AuditEvent {
  specversion: '1.0';
  /** UUID; also the JetStream `Nats-Msg-Id`, so duplicates within the window are dropped. */
  id: string;
  /** The emitting service (`token`, `gateway`, `client-registry`...). */
  source: string;
  type: AuditEventType;
  /** ISO 8601 with time zone, when it happened. */
  time: string;
  /** What the event is about: a client id, a user id, a grant id... */
  subject?: string;
  datacontenttype: 'application/json';
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
export const AUDIT_DEAD_LETTER_STREAM = 'AUDIT_DEAD_LETTER';

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
  /** Why the first invalid row failed. */
  reason?: 'hash_mismatch' | 'broken_link' | 'id_mismatch';
  /**
   * The last row checked. Truncating the newest rows leaves a valid chain; keeping the head
   * somewhere else (a ticket, another system) and comparing later detects that too.
   */
  last_seq?: number;
  last_hash?: string;
}
