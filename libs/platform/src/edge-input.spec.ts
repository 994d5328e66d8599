import { InvalidRequest, MAX_JSON_DEPTH, NotFound } from '@latchkey/oauth';
import type { Request, Response } from 'express';
import { EdgeInputMiddleware, verifyFormBody, verifyJsonBody } from './edge-input';

const res = {} as Response;

/** The status of what `run` throws. */
function statusThrown(run: () => void): unknown {
  try {
    run();
  } catch (err) {
    return (err as { status?: unknown }).status;
  }
  return undefined;
}

function request(url: string, body?: unknown, headers: Record<string, string> = {}): Request {
  return { originalUrl: url, url, body, headers } as unknown as Request;
}

describe('the body parsers’ verify steps', () => {
  it('refuse JSON that is not UTF-8 or nests too deep, as a 400', () => {
    const deep = Buffer.from(`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`);
    expect(
      statusThrown(() => verifyJsonBody(request('/'), res, Buffer.from([0x7b, 0xff, 0x7d]))),
    ).toBe(400);
    expect(statusThrown(() => verifyJsonBody(request('/'), res, deep))).toBe(400);
    expect(() => verifyJsonBody(request('/'), res, Buffer.from('{"a":[1]}'))).not.toThrow();
  });

  it('mark a form that is not UTF-8, for the middleware to refuse with the endpoint’s answer', () => {
    const middleware = new EdgeInputMiddleware({});
    const good = request('/token', { a: 'b' });
    verifyFormBody(good, res, Buffer.from('a=b'));
    const next = jest.fn();
    middleware.use(good, res, next);
    expect(next).toHaveBeenCalled();

    const bad = request('/token', { a: '\uFFFD' });
    verifyFormBody(bad, res, Buffer.from('a=%FF'));
    expect(() => middleware.use(bad, res, jest.fn())).toThrow(InvalidRequest);
  });
});

describe('EdgeInputMiddleware', () => {
  const mark = jest.fn();
  const middleware = new EdgeInputMiddleware({ pages: { paths: ['/login'], mark } });

  beforeEach(() => mark.mockReset());

  it('refuses a bad path segment as not found, without marking an API path', () => {
    expect(() => middleware.use(request('/admin/users/a%00b'), res, jest.fn())).toThrow(NotFound);
    expect(mark).not.toHaveBeenCalled();
  });

  it('marks a page path before refusing, so the error page answers', () => {
    expect(() => middleware.use(request('/login?x=%00'), res, jest.fn())).toThrow(InvalidRequest);
    expect(mark).toHaveBeenCalledTimes(1);
  });

  it('does not take a path that only starts like a page for the page', () => {
    expect(() => middleware.use(request('/loginx?x=%00'), res, jest.fn())).toThrow(InvalidRequest);
    expect(mark).not.toHaveBeenCalled();
  });
});
