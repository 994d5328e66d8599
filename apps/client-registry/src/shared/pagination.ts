import { InvalidRequest } from '@latchkey/oauth';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** Where a page starts: after the row with this insertion sequence number. */
export interface PageRequest {
  limit: number;
  afterSeq: string | undefined;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/**
 * Lists walk rows in insertion order (a bigint identity column): stable while rows are added or
 * deleted, and a cursor is just the last sequence number seen. It is wrapped so that callers treat
 * it as opaque and a future format can be told apart.
 */
export function readPageRequest(request: unknown): PageRequest {
  const { limit, cursor } = (isObject(request) ? request : {}) as {
    limit?: unknown;
    cursor?: unknown;
  };
  return { limit: readLimit(limit), afterSeq: cursor == null ? undefined : decodeCursor(cursor) };
}

function readLimit(limit: unknown): number {
  if (limit === undefined || limit === null) return DEFAULT_PAGE_SIZE;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new InvalidRequest(`limit must be an integer between 1 and ${MAX_PAGE_SIZE}`);
  }
  return limit;
}

const CURSOR_VERSION = 1;
const SEQ = /^[1-9][0-9]{0,18}$/;

export function encodeCursor(seq: string): string {
  return Buffer.from(JSON.stringify({ v: CURSOR_VERSION, after: seq }), 'utf8').toString(
    'base64url',
  );
}

export function decodeCursor(cursor: unknown): string {
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw badCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const { v, after } = (isObject(parsed) ? parsed : {}) as { v?: unknown; after?: unknown };
  if (v !== CURSOR_VERSION || typeof after !== 'string' || !SEQ.test(after)) throw badCursor();
  return after;
}

/**
 * Builds a page from `limit + 1` rows read after the cursor: the extra row only tells whether
 * there is a next page.
 */
export function toPage<R extends { seq: string }, T>(
  rows: R[],
  limit: number,
  view: (row: R) => T,
): Page<T> {
  const pageRows = rows.slice(0, limit);
  const last = pageRows[pageRows.length - 1];
  return {
    items: pageRows.map(view),
    next_cursor: rows.length > limit && last ? encodeCursor(last.seq) : null,
  };
}

function badCursor(): InvalidRequest {
  return new InvalidRequest('cursor is not a cursor returned by this list');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
