import { InvalidRequest } from '@latchkey/oauth';
import type { Request } from 'express';
import { readJsonObjectBody } from './json-body';
import { PageQueryPipe } from './page-query.pipe';

describe('PageQueryPipe', () => {
  const pipe = new PageQueryPipe();

  it('reads limit as a number and passes the cursor through', () => {
    expect(pipe.transform({ limit: '25', cursor: 'abc' })).toEqual({ limit: 25, cursor: 'abc' });
    expect(pipe.transform({})).toEqual({});
    expect(pipe.transform({ other: 'x' })).toEqual({});
  });

  it.each([
    [{ limit: '0' }],
    [{ limit: '-1' }],
    [{ limit: '1.5' }],
    [{ limit: '1e2' }],
    [{ limit: 'ten' }],
    [{ limit: '01' }],
    [{ limit: ['1', '2'] }],
    [{ cursor: ['a', 'b'] }],
    [{ cursor: { nested: 'x' } }],
  ])('refuses %j with invalid_request', (query) => {
    expect(() => pipe.transform(query)).toThrow(InvalidRequest);
  });
});

describe('readJsonObjectBody', () => {
  function req(headers: Record<string, string>, body: unknown): Request {
    const contentType = headers['content-type'];
    return {
      headers,
      body,
      is: (types: string[]) =>
        contentType !== undefined && types.some((t) => contentType.startsWith(t))
          ? contentType
          : false,
    } as unknown as Request;
  }

  it('answers a JSON object', () => {
    const body = { client_name: 'x' };
    expect(
      readJsonObjectBody(req({ 'content-type': 'application/json', 'content-length': '20' }, body)),
    ).toBe(body);
    expect(
      readJsonObjectBody(
        req({ 'content-type': 'application/merge-patch+json', 'content-length': '20' }, body),
      ),
    ).toBe(body);
  });

  it.each([
    [
      'a form (its parser also yields an object)',
      { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '3' },
      { a: 'b' },
    ],
    ['a JSON array', { 'content-type': 'application/json', 'content-length': '5' }, ['x']],
    ['no body', {}, undefined],
  ])('refuses %s with invalid_request', (_what, headers, body) => {
    expect(() => readJsonObjectBody(req(headers, body))).toThrow(InvalidRequest);
  });

  it('reads an absent optional body as {}, but still refuses a present non-JSON one', () => {
    expect(readJsonObjectBody(req({}, undefined), { optional: true })).toEqual({});
    expect(
      readJsonObjectBody(req({ 'content-length': '0' }, undefined), { optional: true }),
    ).toEqual({});
    expect(() =>
      readJsonObjectBody(
        req(
          { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '3' },
          { a: 'b' },
        ),
        { optional: true },
      ),
    ).toThrow(InvalidRequest);
  });
});
