import { AUDIT_EVENT_TYPE_FORMAT, type AuditEvent, canonicalJson } from '@latchkey/contracts';
import { checkAuditEventSchema, sanitizeAuditData } from '@latchkey/audit-client';
import { InvalidRequest } from '@latchkey/oauth';

/** Larger than any event the audit client builds; a bound on what one message may cost. */
export const MAX_INCOMING_EVENT_BYTES = 64 * 1024;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const EXTENSION_NAME = /^[a-z0-9]{1,20}$/;
const CORE_ATTRIBUTES = new Set([
  'specversion',
  'id',
  'source',
  'type',
  'time',
  'subject',
  'datacontenttype',
  'dataschema',
  'data',
]);
/** NUL or an unpaired surrogate, as JSON.stringify escapes them: Postgres jsonb refuses both. */
const UNSTORABLE_ESCAPE = /\\u(0000|d[89a-f][0-9a-f]{2})/i;

export interface ValidatedAuditEvent {
  event: AuditEvent;
  /** Data keys removed as possible credentials (an emitter that skipped the audit client's rule). */
  removed: string[];
}

/**
 * Checks that a message is a CloudEvents 1.0 JSON audit event this service can store and prove,
 * and that it matches the JSON Schema its `dataschema` names (libs/contracts catalogue). A
 * well-formed type or schema version it does not know is kept (a newer emitter during a rolling
 * update); a malformed event is refused with invalid_request and never retried.
 */
export function parseAuditEvent(value: unknown): ValidatedAuditEvent {
  if (!isPlainObject(value)) throw invalid('an audit event must be a JSON object');
  checkSize(value);
  if (value.specversion !== '1.0') throw invalid('specversion must be 1.0');
  checkString(value.id, 'id', UUID);
  checkBoundedString(value.source, 'source', 200);
  checkString(value.type, 'type', AUDIT_EVENT_TYPE_FORMAT);
  checkTime(value.time);
  if (value.subject !== undefined) checkBoundedString(value.subject, 'subject', 512);
  if (value.datacontenttype !== 'application/json') {
    throw invalid('datacontenttype must be application/json');
  }
  if (value.dataschema !== undefined) checkBoundedString(value.dataschema, 'dataschema', 200);
  if (!isPlainObject(value.data)) throw invalid('data must be a JSON object');
  checkExtensions(value);
  checkSchema(value);
  const { data, removed } = sanitizeKeysOnly(value.data);
  return { event: { ...(value as unknown as AuditEvent), data }, removed };
}

function checkSize(value: Record<string, unknown>): void {
  let text: string;
  try {
    text = canonicalJson(value);
  } catch {
    throw invalid('the event is not plain JSON');
  }
  if (Buffer.byteLength(text, 'utf8') > MAX_INCOMING_EVENT_BYTES) {
    throw invalid(`the event is larger than ${MAX_INCOMING_EVENT_BYTES} bytes`);
  }
  if (UNSTORABLE_ESCAPE.test(text)) throw invalid('the event holds a NUL or an unpaired surrogate');
}

function checkSchema(value: Record<string, unknown>): void {
  const verdict = checkAuditEventSchema(value);
  if (verdict.kind !== 'invalid') return;
  throw invalid(
    `the event does not match its dataschema: ${verdict.problems.slice(0, 3).join('; ')}`,
  );
}

function checkString(value: unknown, name: string, format: RegExp): void {
  if (typeof value !== 'string' || !format.test(value)) throw invalid(`${name} is malformed`);
}

function checkBoundedString(value: unknown, name: string, max: number): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw invalid(`${name} must be a string of 1 to ${max} characters`);
  }
}

function checkTime(value: unknown): void {
  if (typeof value !== 'string' || !ISO_TIME.test(value) || Number.isNaN(Date.parse(value))) {
    throw invalid('time must be an RFC 3339 timestamp');
  }
}

/** CloudEvents extension attributes: lower-case alphanumeric names, scalar values. */
function checkExtensions(value: Record<string, unknown>): void {
  for (const [name, attribute] of Object.entries(value)) {
    if (CORE_ATTRIBUTES.has(name)) continue;
    if (!EXTENSION_NAME.test(name)) throw invalid('an attribute name is not a CloudEvents name');
    if (typeof attribute !== 'string' || attribute.length > 256) {
      throw invalid(`extension attribute ${name} must be a string of at most 256 characters`);
    }
  }
}

/**
 * Removes credential-like keys, as the audit client does, but otherwise keeps the data exactly
 * as received (the emitter's client already bounded strings).
 */
function sanitizeKeysOnly(data: Record<string, unknown>): {
  data: AuditEvent['data'];
  removed: string[];
} {
  let sanitized: ReturnType<typeof sanitizeAuditData>;
  try {
    sanitized = sanitizeAuditData(data);
  } catch {
    throw invalid('data is nested too deeply');
  }
  if (sanitized.removed.length === 0) return { data: data as AuditEvent['data'], removed: [] };
  return sanitized;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(description: string): InvalidRequest {
  return new InvalidRequest(description);
}
