import {
  AUDIT_DENIED_DATA_KEY_SUFFIXES,
  AUDIT_DENIED_DATA_KEYS,
  type JsonValue,
} from '@latchkey/contracts';

/** Longest string kept in an event; longer caller input (a user agent, a name) is cut. */
export const MAX_AUDIT_STRING_LENGTH = 1024;
const MAX_DEPTH = 8;

const DENIED = new Set<string>(AUDIT_DENIED_DATA_KEYS);

export interface SanitizedAuditData {
  data: { [key: string]: JsonValue };
  /** Paths of the keys removed because they may hold a credential (`client.secret`), never values. */
  removed: string[];
}

/**
 * A key that may name a credential (docs/architecture.md §6: never a secret, password, code or token in an
 * event), compared case-insensitively: an exact entry of the denylist, or a credential suffix.
 */
export function isDeniedAuditKey(key: string): boolean {
  const lower = key.toLowerCase();
  return (
    DENIED.has(lower) || AUDIT_DENIED_DATA_KEY_SUFFIXES.some((suffix) => lower.endsWith(suffix))
  );
}

/**
 * Event data as it may be stored: plain JSON, no denied key at any depth (removed and reported),
 * strings Postgres jsonb accepts (no NUL, no lone surrogate) and of bounded length. `undefined`
 * members are dropped, as JSON drops them.
 */
export function sanitizeAuditData(data: unknown): SanitizedAuditData {
  if (!isPlainObject(data)) throw new TypeError('audit event data must be a plain object');
  const removed: string[] = [];
  return { data: sanitizeObject(data, '', removed, 0), removed };
}

/** NUL, and a surrogate without its pair. */
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** NUL and unpaired surrogates become U+FFFD (jsonb refuses both); long strings are cut. */
export function sanitizeAuditString(value: string, max = MAX_AUDIT_STRING_LENGTH): string {
  const clean = value.replace(UNSTORABLE, '\uFFFD');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

function sanitizeObject(
  value: Record<string, unknown>,
  path: string,
  removed: string[],
  depth: number,
): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  for (const [rawKey, member] of Object.entries(value)) {
    const key = sanitizeAuditString(rawKey, 100);
    const memberPath = path ? `${path}.${key}` : key;
    if (isDeniedAuditKey(key)) {
      removed.push(memberPath);
      continue;
    }
    if (member === undefined) continue;
    out[key] = sanitizeValue(member, memberPath, removed, depth + 1);
  }
  return out;
}

function sanitizeValue(value: unknown, path: string, removed: string[], depth: number): JsonValue {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'string') return sanitizeAuditString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value instanceof Date) return value.toISOString();
  if (depth > MAX_DEPTH) throw new TypeError(`audit event data is nested too deeply at ${path}`);
  if (Array.isArray(value)) {
    return value.map((item, index) =>
      item === undefined ? null : sanitizeValue(item, `${path}[${index}]`, removed, depth + 1),
    );
  }
  if (isPlainObject(value)) return sanitizeObject(value, path, removed, depth);
  throw new TypeError(`audit event data at ${path} is not JSON (${typeof value})`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
