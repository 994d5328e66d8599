import { InvalidRequest, isPositiveBigintText } from '@latchkey/oauth';

/**
 * One page of a list, as every list answers on the bus and in the admin API
 * (`{"items": [...], "next_cursor": ...}`, docs/architecture.md §4).
 */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Page sizes of the admin lists (clients, resources, users) when a service sets no other. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export interface PageLimits {
  default: number;
  max: number;
}

/**
 * Which way a list walks its rows' insertion sequence (a bigint identity column): `after` the
 * cursor's row, oldest first, or `before` it, newest first (the audit log).
 */
export type SeqDirection = 'after' | 'before';

/** `limit` of a list request off the bus: absent means the default, else an integer 1..max. */
export function readPageLimit(
  limit: unknown,
  limits: PageLimits = { default: DEFAULT_PAGE_SIZE, max: MAX_PAGE_SIZE },
): number {
  if (limit === undefined || limit === null) return limits.default;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > limits.max) {
    throw new InvalidRequest(`limit must be an integer between 1 and ${limits.max}`);
  }
  return limit;
}

/** A list request off the bus that walks oldest first: its page size and where the page starts. */
export interface PageRequest {
  limit: number;
  /** Sequence number of the last row of the previous page; undefined for the first page. */
  afterSeq: string | undefined;
}

export function readPageRequest(request: unknown, limits?: PageLimits): PageRequest {
  const { limit, cursor } = (typeof request === 'object' && request !== null ? request : {}) as {
    limit?: unknown;
    cursor?: unknown;
  };
  return {
    limit: readPageLimit(limit, limits),
    afterSeq: cursor == null ? undefined : decodeSeqCursor(cursor, 'after'),
  };
}

const CURSOR_VERSION = 1;
const CURSOR = /^[A-Za-z0-9_-]{1,200}$/;

/**
 * A cursor is the sequence number of the last row seen, wrapped (versioned JSON, base64url) so
 * that callers treat it as opaque and a future format can be told apart. Walking the sequence is
 * stable while rows are added or deleted.
 */
export function encodeSeqCursor(seq: string, direction: SeqDirection = 'after'): string {
  return Buffer.from(JSON.stringify({ v: CURSOR_VERSION, [direction]: seq }), 'utf8').toString(
    'base64url',
  );
}

/** The sequence number in a cursor this list gave out; anything else is invalid_request. */
export function decodeSeqCursor(cursor: unknown, direction: SeqDirection = 'after'): string {
  if (typeof cursor !== 'string' || !CURSOR.test(cursor)) throw badCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const fields = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<
    string,
    unknown
  >;
  const seq = fields[direction];
  if (fields.v !== CURSOR_VERSION || typeof seq !== 'string' || !isPositiveBigintText(seq)) {
    throw badCursor();
  }
  return seq;
}

/**
 * Builds a page from `limit + 1` rows read past the cursor: the extra row only tells whether
 * there is a next page, whose cursor is the last row shown.
 */
export function toPage<R extends { seq: string }, T>(
  rows: readonly R[],
  limit: number,
  view: (row: R) => T,
  direction: SeqDirection = 'after',
): Page<T> {
  const pageRows = rows.slice(0, limit);
  const last = pageRows[pageRows.length - 1];
  return {
    items: pageRows.map(view),
    next_cursor: rows.length > limit && last ? encodeSeqCursor(last.seq, direction) : null,
  };
}

function badCursor(): InvalidRequest {
  return new InvalidRequest('cursor is not a cursor returned by this list');
}
