import { InvalidRequest } from '@latchkey/oauth';
import { expectOAuthError } from '@latchkey/testing';
import {
  decodeSeqCursor,
  DEFAULT_PAGE_SIZE,
  encodeSeqCursor,
  MAX_PAGE_SIZE,
  readPageLimit,
  readPageRequest,
  toPage,
} from './pagination';

describe('pagination', () => {
  it('defaults to the first page of 50', () => {
    expect(readPageRequest({})).toEqual({ limit: DEFAULT_PAGE_SIZE, afterSeq: undefined });
    expect(readPageRequest(undefined)).toEqual({ limit: 50, afterSeq: undefined });
    expect(readPageRequest({ limit: null, cursor: null })).toEqual({
      limit: 50,
      afterSeq: undefined,
    });
  });

  it('accepts limits from 1 to 200', () => {
    expect(readPageRequest({ limit: 1 }).limit).toBe(1);
    expect(readPageRequest({ limit: MAX_PAGE_SIZE }).limit).toBe(200);
  });

  it.each([0, -1, 201, 1.5, '10', true])('rejects limit %p', async (limit) => {
    expectOAuthError(
      () => readPageRequest({ limit }),
      InvalidRequest,
      'invalid_request',
      /^limit must be an integer between 1 and 200$/,
    );
  });

  it('round-trips an opaque base64url cursor', () => {
    const cursor = encodeSeqCursor('12345');
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain('12345');
    expect(decodeSeqCursor(cursor)).toBe('12345');
    expect(readPageRequest({ cursor }).afterSeq).toBe('12345');
  });

  it.each([
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['a JSON array', Buffer.from('[1]').toString('base64url')],
    ['another version', Buffer.from('{"v":2,"after":"1"}').toString('base64url')],
    ['a numeric position', Buffer.from('{"v":1,"after":1}').toString('base64url')],
    [
      'a position that is no sequence number',
      Buffer.from('{"v":1,"after":"0"}').toString('base64url'),
    ],
    ['SQL in the position', Buffer.from('{"v":1,"after":"1 OR 1=1"}').toString('base64url')],
    ['empty', ''],
    ['a number', 42],
    ['too long', 'a'.repeat(201)],
  ])('rejects a cursor that is %s', async (_label, cursor) => {
    expectOAuthError(
      () => readPageRequest({ cursor }),
      InvalidRequest,
      'invalid_request',
      /^cursor is not a cursor returned by this list$/,
    );
  });

  it('builds a page from limit + 1 rows', () => {
    const rows = ['1', '2', '3'].map((seq) => ({ seq, name: `n${seq}` }));
    const page = toPage(rows, 2, (row) => row.name);
    expect(page.items).toEqual(['n1', 'n2']);
    expect(decodeSeqCursor(page.next_cursor)).toBe('2');
    expect(toPage(rows.slice(0, 2), 2, (row) => row.name).next_cursor).toBeNull();
    expect(toPage([], 2, (row: { seq: string }) => row.seq)).toEqual({
      items: [],
      next_cursor: null,
    });
  });

  it('walks newest first with a cursor of its own kind', () => {
    const rows = ['9', '8', '7'].map((seq) => ({ seq }));
    const page = toPage(rows, 2, (row) => row.seq, 'before');
    expect(page.items).toEqual(['9', '8']);
    expect(decodeSeqCursor(page.next_cursor, 'before')).toBe('8');
    // A cursor of one kind of list is refused by the other.
    expectOAuthError(() => decodeSeqCursor(page.next_cursor), InvalidRequest, 'invalid_request');
    expectOAuthError(
      () => decodeSeqCursor(encodeSeqCursor('8'), 'before'),
      InvalidRequest,
      'invalid_request',
      /^cursor is not a cursor returned by this list$/,
    );
  });

  it('round-trips the largest bigint sequence number', () => {
    expect(decodeSeqCursor(encodeSeqCursor('9223372036854775807'))).toBe('9223372036854775807');
  });

  it('takes a list its own default and maximum page size', () => {
    const limits = { default: 100, max: 500 };
    expect(readPageLimit(undefined, limits)).toBe(100);
    expect(readPageLimit(500, limits)).toBe(500);
    expectOAuthError(
      () => readPageLimit(501, limits),
      InvalidRequest,
      'invalid_request',
      /^limit must be an integer between 1 and 500$/,
    );
  });
});
