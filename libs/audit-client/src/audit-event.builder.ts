import { randomUUID } from 'node:crypto';
import {
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
}

export interface AuditEventDraft extends AuditRecordInput {
  source: string;
  type: AuditEventType;
  id?: string;
  time?: Date;
  requestId?: string;
}

export interface BuiltAuditEvent {
  event: AuditEvent;
  /** Data keys removed as possible credentials (paths only). */
  removed: string[];
}

/** A CloudEvents 1.0 event from what the caller knows; the id and time are filled in here. */
export function buildAuditEvent(draft: AuditEventDraft): BuiltAuditEvent {
  if (!isAuditEventType(draft.type)) {
    throw new TypeError(`unknown audit event type ${JSON.stringify(draft.type)}`);
  }
  const { data, removed } = sanitizeAuditData(draft.data);
  const event: AuditEvent = {
    specversion: '1.0',
    id: draft.id ?? randomUUID(),
    source: draft.source,
    type: draft.type,
    time: (draft.time ?? new Date()).toISOString(),
    datacontenttype: 'application/json',
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
