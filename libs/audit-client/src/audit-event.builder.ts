import { randomUUID } from 'node:crypto';
import {
  AUDIT_EVENT_CATALOGUE,
  auditDataSchemaUri,
  type AuditActor,
  type AuditEvent,
  type AuditEventData,
  type AuditEventType,
  isAuditEventType,
} from '@latchkey/contracts';
import { sanitizeAuditData, sanitizeAuditString } from './audit-data.sanitizer';

/** An event larger than this is a bug in the caller (events name actors, they carry no payloads). */
export const MAX_AUDIT_EVENT_BYTES = 16 * 1024;
const MAX_SUBJECT_LENGTH = 512;

export interface AuditRecordInput {
  /** What the event is about (a client id, a user id...). */
  subject?: string;
  /** The actors and facts; never a secret, password, code or token (such keys are removed). */
  data: AuditEventData;
  /** Who acted, when the data alone does not say (see {@link auditActorOf}). */
  actor?: AuditActor;
}

export interface AuditEventDraft extends AuditRecordInput {
  /** The installation's issuer URL. */
  issuer: string;
  /** The emitting service's name; `source` is `<issuer>/<service>`. */
  service: string;
  type: AuditEventType;
  id?: string;
  time?: Date;
  requestId?: string;
  /** The request's actor and HTTP caller, for what `data` does not name itself. */
  context?: { actor?: AuditActor; ip?: string; userAgent?: string };
}

export interface BuiltAuditEvent {
  event: AuditEvent;
  /** Data keys removed as possible credentials (paths only). */
  removed: string[];
}

/**
 * Who acted (docs/audit-events.md): the caller's explicit actor, else the request's (an
 * administrator of the admin API), else the user the event names, else the client, else the
 * emitting service itself (scheduled work).
 */
export function auditActorOf(
  data: AuditEventData,
  explicit: AuditActor | undefined,
  fromRequest: AuditActor | undefined,
  service: string,
): AuditActor {
  if (explicit) return explicit;
  if (fromRequest) return fromRequest;
  if (typeof data.sub === 'string') return { type: 'user', id: data.sub };
  if (typeof data.client_id === 'string') return { type: 'client', id: data.client_id };
  return { type: 'service', id: service };
}

/**
 * A CloudEvents 1.0 event from what the caller knows; the id, time, actor, the caller's address
 * and user agent (unless the data names them), `source` and `issuer` are filled in here.
 */
export function buildAuditEvent(draft: AuditEventDraft): BuiltAuditEvent {
  if (!isAuditEventType(draft.type)) {
    throw new TypeError(`unknown audit event type ${JSON.stringify(draft.type)}`);
  }
  const context = draft.context ?? {};
  const { data, removed } = sanitizeAuditData({
    ...draft.data,
    actor: auditActorOf(draft.data, draft.actor, context.actor, draft.service),
    ip: draft.data.ip ?? context.ip,
    user_agent: draft.data.user_agent ?? context.userAgent,
  });
  const event: AuditEvent = {
    specversion: '1.0',
    id: draft.id ?? randomUUID(),
    source: auditSource(draft.issuer, draft.service),
    type: draft.type,
    time: (draft.time ?? new Date()).toISOString(),
    datacontenttype: 'application/json',
    dataschema: auditDataSchemaUri(draft.type, AUDIT_EVENT_CATALOGUE[draft.type].version),
    issuer: draft.issuer,
    data,
  };
  if (draft.subject !== undefined) {
    event.subject = sanitizeAuditString(draft.subject, MAX_SUBJECT_LENGTH);
  }
  if (draft.requestId !== undefined) event.requestid = draft.requestId;
  const size = Buffer.byteLength(JSON.stringify(event), 'utf8');
  if (size > MAX_AUDIT_EVENT_BYTES) {
    throw new RangeError(
      `audit event ${draft.type} is ${size} bytes (at most ${MAX_AUDIT_EVENT_BYTES}): record identifiers, not payloads`,
    );
  }
  return { event, removed };
}

/** `source`: the installation (its issuer URL) and the service, one URI (docs/audit-events.md). */
export function auditSource(issuer: string, service: string): string {
  return `${issuer.replace(/\/+$/, '')}/${service}`;
}
