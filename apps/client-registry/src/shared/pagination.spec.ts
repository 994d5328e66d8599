import { InvalidRequest } from '@latchkey/oauth';
import { expectOAuthThrow } from '../fixtures/registry.fixture';
import {
  decodeCursor,
  DEFAULT_PAGE_SIZE,
  encodeCursor,
  MAX_PAGE_SIZE,
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
    await expectOAuthThrow(
      () => readPageRequest({ limit }),
      InvalidRequest,
      'invalid_request',
      400,
      /^limit must be an integer between 1 and 200$/,
    );
  });

  it('round-trips an opaque base64url cursor', () => {
    const cursor = encodeCursor('12345');
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain('12345');
    expect(decodeCursor(cursor)).toBe('12345');
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
    await expectOAuthThrow(
      () => readPageRequest({ cursor }),
      InvalidRequest,
      'invalid_request',
      400,
      /^cursor is not a cursor returned by this list$/,
    );
  });

  it('builds a page from limit + 1 rows', () => {
    const rows = ['1', '2', '3'].map((seq) => ({ seq, name: `n${seq}` }));
    const page = toPage(rows, 2, (row) => row.name);
    expect(page.items).toEqual(['n1', 'n2']);
    expect(decodeCursor(page.next_cursor)).toBe('2');
    expect(toPage(rows.slice(0, 2), 2, (row) => row.name).next_cursor).toBeNull();
    expect(toPage([], 2, (row: { seq: string }) => row.seq)).toEqual({
      items: [],
      next_cursor: null,
    });
  });
});
