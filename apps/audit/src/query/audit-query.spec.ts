import { expect } from '@jest/globals';
import { type AuditEvent, AUDIT_QUERY_MAX_LIMIT } from '@latchkey/contracts';
import { encodeSeqCursor } from '@latchkey/core';
import { InvalidRequest } from '@latchkey/oauth';
import { auditEvent, type AuditSlice, startAuditSlice } from '../fixtures/audit-app.fixture';
import { readAuditQuery, readVerifyRange } from './audit-query';

jest.setTimeout(60_000);

function expectInvalidRequest(fn: () => unknown, description: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(InvalidRequest);
  expect((thrown as InvalidRequest).error).toBe('invalid_request');
  expect((thrown as InvalidRequest).status).toBe(400);
  expect((thrown as InvalidRequest).description).toMatch(description);
  // RFC 6749 §5.2 error_description charset.
  expect((thrown as InvalidRequest).description).toMatch(/^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/);
}

describe('readAuditQuery', () => {
  it('defaults to the newest 100 events with no filter', () => {
    expect(readAuditQuery(undefined)).toEqual({ filter: {}, limit: 100 });
    expect(readAuditQuery({})).toEqual({ filter: {}, limit: 100 });
  });

  it('reads every filter', () => {
    const cursor = encodeSeqCursor('42', 'before');
    expect(
      readAuditQuery({
        type: 'token.issued',
        subject: 'app-1',
        client_id: 'app-1',
        sub: 'user-1',
        since: '2030-01-01',
        until: '2030-01-02T12:00:00+02:00',
        limit: 500,
        cursor,
      }),
    ).toEqual({
      filter: {
        type: 'token.issued',
        subject: 'app-1',
        clientId: 'app-1',
        sub: 'user-1',
        since: new Date('2030-01-01T00:00:00Z'),
        until: new Date('2030-01-02T10:00:00Z'),
        beforeSeq: '42',
      },
      limit: 500,
    });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['limit 0', { limit: 0 }, /^limit must be an integer between 1 and 500$/],
    ['limit above 500', { limit: AUDIT_QUERY_MAX_LIMIT + 1 }, /^limit must be an integer/],
    ['a fractional limit', { limit: 1.5 }, /^limit must be an integer/],
    ['a limit string', { limit: '10' }, /^limit must be an integer/],
    ['a malformed type', { type: 'token issued' }, /^type must be an audit event type/],
    ['an empty subject', { subject: '' }, /^subject must be a string of 1 to 512 characters$/],
    ['a client_id list', { client_id: ['a'] }, /^client_id must be a string/],
    ['a long sub', { sub: 'u'.repeat(513) }, /^sub must be a string/],
    ['a date in words', { since: 'yesterday' }, /^since must be an RFC 3339 date-time/],
    ['an impossible date', { until: '2030-02-30T25:00:00Z' }, /^until must be an RFC 3339/],
    ['since after until', { since: '2030-01-02', until: '2030-01-01' }, /^since must not be after/],
    ['a foreign cursor', { cursor: 'abc' }, /^cursor is not a cursor returned by this list$/],
    [
      'a cursor of another list',
      { cursor: Buffer.from('{"v":1,"after":"5"}').toString('base64url') },
      /^cursor is not a cursor/,
    ],
  ])('refuses %s', (_name, request, description) => {
    expectInvalidRequest(() => readAuditQuery(request), description);
  });
});

describe('readVerifyRange', () => {
  it('takes an optional range, as numbers or digit strings', () => {
    expect(readVerifyRange({})).toEqual({});
    expect(readVerifyRange({ from_seq: 2, to_seq: '9' })).toEqual({ fromSeq: '2', toSeq: '9' });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['from_seq 0', { from_seq: 0 }, /^from_seq must be a positive integer$/],
    ['a negative to_seq', { to_seq: -1 }, /^to_seq must be a positive integer$/],
    ['a fraction', { from_seq: 1.5 }, /^from_seq must be a positive integer$/],
    ['from after to', { from_seq: 5, to_seq: 4 }, /^from_seq must not be greater than to_seq$/],
  ])('refuses %s', (_name, request, description) => {
    expectInvalidRequest(() => readVerifyRange(request), description);
  });
});

describe('AuditQueryService (PGlite)', () => {
  let audit: AuditSlice;
  const stored: AuditEvent[] = [];

  beforeAll(async () => {
    audit = await startAuditSlice();
    const plan = [
      auditEvent('client.created', { client_id: 'app-1' }, { subject: 'app-1' }),
      auditEvent('token.issued', { client_id: 'app-1', sub: 'user-1' }, { subject: 'user-1' }),
      auditEvent('login.failed', { sub: 'user-2', ip: '198.51.100.7' }, { subject: 'user-2' }),
      auditEvent('token.issued', { client_id: 'app-2', sub: 'user-1' }, { subject: 'user-1' }),
      auditEvent('token.issued', { client_id: 'app-1' }, { subject: 'app-1' }),
    ];
    for (const event of plan) {
      await audit.ingest.ingest(event);
      stored.push(event);
    }
  });

  afterAll(async () => {
    await audit?.app.close();
  });

  const ids = (items: AuditEvent[]) => items.map((item) => item.id);
  const idsOf = (...indexes: number[]) => indexes.map((i) => stored[i].id);

  it('answers the events newest first, each with its place in the chain', async () => {
    const page = await audit.query.query({});
    expect(ids(page.items)).toEqual(idsOf(4, 3, 2, 1, 0));
    expect(page.next_cursor).toBeNull();
    const [newest, previous] = page.items;
    expect(newest).toEqual({
      ...stored[4],
      seq: expect.any(Number),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      prev_hash: previous.hash,
    });
    expect(newest.seq).toBe(previous.seq + 1);
  });

  it.each<[string, Record<string, unknown>, number[]]>([
    ['type', { type: 'token.issued' }, [4, 3, 1]],
    ['subject', { subject: 'user-1' }, [3, 1]],
    ['client_id', { client_id: 'app-1' }, [4, 1, 0]],
    ['sub', { sub: 'user-1' }, [3, 1]],
    ['type and client_id', { type: 'token.issued', client_id: 'app-1' }, [4, 1]],
    ['nothing matching', { type: 'key.rotated' }, []],
  ])('filters by %s', async (_name, request, expected) => {
    const page = await audit.query.query(request);
    expect(ids(page.items)).toEqual(idsOf(...expected));
  });

  it('filters by time: since inclusive, until exclusive', async () => {
    const page = await audit.query.query({ since: stored[1].time, until: stored[3].time });
    expect(ids(page.items)).toEqual(idsOf(2, 1));
  });

  it('pages with the cursor until there is no next page, without gaps or repeats', async () => {
    const first = await audit.query.query({ limit: 2 });
    expect(ids(first.items)).toEqual(idsOf(4, 3));
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await audit.query.query({ limit: 2, cursor: first.next_cursor });
    expect(ids(second.items)).toEqual(idsOf(2, 1));
    const third = await audit.query.query({ limit: 2, cursor: second.next_cursor });
    expect(ids(third.items)).toEqual(idsOf(0));
    expect(third.next_cursor).toBeNull();
  });

  it('keeps filters across pages', async () => {
    const first = await audit.query.query({ type: 'token.issued', limit: 2 });
    const second = await audit.query.query({
      type: 'token.issued',
      limit: 2,
      cursor: first.next_cursor,
    });
    expect([...ids(first.items), ...ids(second.items)]).toEqual(idsOf(4, 3, 1));
    expect(second.next_cursor).toBeNull();
  });

  it('refuses a bad request before reading anything', async () => {
    await expect(audit.query.query({ limit: 501 })).rejects.toBeInstanceOf(InvalidRequest);
    await expect(audit.query.verify({ from_seq: 'x' })).rejects.toBeInstanceOf(InvalidRequest);
  });
});
