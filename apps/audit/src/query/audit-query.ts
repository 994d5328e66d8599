import {
  AUDIT_EVENT_TYPE_FORMAT,
  AUDIT_EXPORT_DEFAULT_LIMIT,
  AUDIT_EXPORT_MAX_LIMIT,
  AUDIT_QUERY_DEFAULT_LIMIT,
  AUDIT_QUERY_MAX_LIMIT,
} from '@latchkey/contracts';
import { decodeSeqCursor, readPageLimit } from '@latchkey/core';
import { InvalidRequest, isPositiveBigintText, isStorableInstant } from '@latchkey/oauth';
import type { VerifyRange } from '../chain/audit-chain.service';
import type { AuditChainFilter, AuditEventFilter } from '../chain/audit-events.repository';

export interface AuditQuery {
  filter: AuditEventFilter;
  limit: number;
}

const MAX_FILTER_LENGTH = 512;
/** RFC 3339 date-time, or a plain date (midnight UTC). */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** `audit.query` as it arrives off the bus: every field checked, nothing trusted. */
export function readAuditQuery(request: unknown): AuditQuery {
  const input = isObject(request) ? request : {};
  const filter: AuditEventFilter = {};
  if (input.type != null) filter.type = readType(input.type);
  if (input.subject != null) filter.subject = readFilterString(input.subject, 'subject');
  if (input.client_id != null) filter.clientId = readFilterString(input.client_id, 'client_id');
  if (input.sub != null) filter.sub = readFilterString(input.sub, 'sub');
  if (input.since != null) filter.since = readInstant(input.since, 'since');
  if (input.until != null) filter.until = readInstant(input.until, 'until');
  if (filter.since && filter.until && filter.since > filter.until) {
    throw new InvalidRequest('since must not be after until');
  }
  if (input.cursor != null) filter.beforeSeq = decodeSeqCursor(input.cursor, 'before');
  return {
    filter,
    limit: readPageLimit(input.limit, {
      default: AUDIT_QUERY_DEFAULT_LIMIT,
      max: AUDIT_QUERY_MAX_LIMIT,
    }),
  };
}

export interface AuditExport {
  filter: AuditChainFilter;
  limit: number;
}

/**
 * `audit.export`: where to start (`after_seq`, or the cursor of the previous page; from the first
 * row by default) and the optional type, subject and client filters of the live tail.
 */
export function readAuditExport(request: unknown): AuditExport {
  const input = isObject(request) ? request : {};
  if (input.after_seq != null && input.cursor != null) {
    throw new InvalidRequest('give after_seq or cursor, not both');
  }
  let afterSeq = '0';
  if (input.cursor != null) afterSeq = decodeSeqCursor(input.cursor, 'after');
  else if (input.after_seq != null && input.after_seq !== 0) {
    afterSeq = readSeq(input.after_seq, 'after_seq');
  }
  const filter: AuditChainFilter = { afterSeq };
  if (input.type != null) filter.type = readType(input.type);
  if (input.subject != null) filter.subject = readFilterString(input.subject, 'subject');
  if (input.client_id != null) filter.clientId = readFilterString(input.client_id, 'client_id');
  return {
    filter,
    limit: readPageLimit(input.limit, {
      default: AUDIT_EXPORT_DEFAULT_LIMIT,
      max: AUDIT_EXPORT_MAX_LIMIT,
    }),
  };
}

/** `audit.verify`: optional positive from_seq and to_seq, from_seq not after to_seq. */
export function readVerifyRange(request: unknown): VerifyRange {
  const input = isObject(request) ? request : {};
  const range: VerifyRange = {};
  if (input.from_seq != null) range.fromSeq = readSeq(input.from_seq, 'from_seq');
  if (input.to_seq != null) range.toSeq = readSeq(input.to_seq, 'to_seq');
  if (range.fromSeq && range.toSeq && BigInt(range.fromSeq) > BigInt(range.toSeq)) {
    throw new InvalidRequest('from_seq must not be greater than to_seq');
  }
  return range;
}

function readType(value: unknown): string {
  if (typeof value !== 'string' || !AUDIT_EVENT_TYPE_FORMAT.test(value)) {
    throw new InvalidRequest('type must be an audit event type such as token.issued');
  }
  return value;
}

function readFilterString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_FILTER_LENGTH) {
    throw new InvalidRequest(`${name} must be a string of 1 to ${MAX_FILTER_LENGTH} characters`);
  }
  return value;
}

function readInstant(value: unknown, name: string): Date {
  const time = new Date(typeof value === 'string' && ISO_INSTANT.test(value) ? value : NaN);
  if (!isStorableInstant(time)) {
    throw new InvalidRequest(`${name} must be an RFC 3339 date-time such as 2030-01-31T12:00:00Z`);
  }
  return time;
}

function readSeq(value: unknown, name: string): string {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text !== 'string' || !isPositiveBigintText(text)) {
    throw new InvalidRequest(`${name} must be a positive integer`);
  }
  return text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
