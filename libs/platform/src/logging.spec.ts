import { RequestContext } from '@latchkey/transport';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EventEmitter } from 'node:events';
import { HttpLoggingMiddleware, PlatformLogger } from './logging';

function capture(level = 'info', httpHeaders = false) {
  const lines: Record<string, unknown>[] = [];
  const options = {
    service: 'svc',
    level,
    httpHeaders,
    destination: {
      write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>),
    },
  };
  const logger = new PlatformLogger(options);
  return { logger, lines, options };
}

/** One request through the middleware, as Express hands it over; `finish` ends the response. */
function serve(
  { logger, options }: Pick<ReturnType<typeof capture>, 'logger' | 'options'>,
  request: Record<string, unknown>,
  response: Record<string, unknown>,
  end: 'finish' | 'close' = 'finish',
): void {
  const req = Object.assign(new EventEmitter(), { headers: {}, socket: {}, ...request });
  const res = Object.assign(new EventEmitter(), {
    headersSent: true,
    writableFinished: end === 'finish',
    getHeaders: () => ({}),
    setHeader: () => undefined,
    ...response,
  });
  new HttpLoggingMiddleware(logger, options).use(
    req as unknown as IncomingMessage,
    res as unknown as ServerResponse,
    () => undefined,
  );
  res.emit(end);
  // Node emits close after finish too: still one line.
  res.emit('close');
}

describe('PlatformLogger', () => {
  it('writes JSON lines with the service, the logger name and the message', () => {
    const { logger, lines } = capture();
    logger.log('started', 'Bootstrap');
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, service: 'svc', context: 'Bootstrap', msg: 'started' }),
    ]);
    expect(lines[0]).not.toHaveProperty('reqId');
  });

  it('stamps the id of the request it runs for', () => {
    const { logger, lines } = capture();
    RequestContext.run({ requestId: 'req-1' }, () => logger.warn('slow', 'Handler'));
    expect(lines[0]).toMatchObject({ level: 40, reqId: 'req-1', context: 'Handler' });
  });

  it('keeps an error stack, and honours the level', () => {
    const { logger, lines } = capture('warn');
    logger.log('not written');
    logger.debug('not written');
    logger.error('failed', 'Error: boom\n    at x', 'Worker');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 50,
        msg: 'failed',
        stack: 'Error: boom\n    at x',
        context: 'Worker',
      }),
    ]);
  });

  it('logs an HTTP request once, with its id and without its credentials', () => {
    const log = capture();
    const { lines } = log;
    serve(
      log,
      {
        id: 'req-2',
        method: 'POST',
        url: '/token?client_secret=secret',
        headers: { authorization: 'Basic c2VjcmV0', cookie: 'sid=secret' },
      },
      {
        statusCode: 401,
        getHeaders: () => ({ 'set-cookie': 'sid=secret', location: 'https://rp/cb?code=secret' }),
      },
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      reqId: 'req-2',
      method: 'POST',
      path: '/token',
      status: 401,
    });
    expect(lines[0]).not.toHaveProperty('headers');
    expect(JSON.stringify(lines[0])).not.toContain('secret');
  });

  it('logs a completed request at info with its duration, and a request the client left as aborted', () => {
    const log = capture();
    const { lines } = log;
    serve(
      log,
      {
        id: 'req-4',
        method: 'GET',
        url: '/.well-known/jwks.json',
        route: { path: '/.well-known/jwks.json' },
      },
      { statusCode: 200 },
    );
    serve(log, { id: 'req-5', method: 'POST', url: '/login' }, { statusCode: 200 }, 'close');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 30,
      reqId: 'req-4',
      msg: 'request completed',
      method: 'GET',
      route: '/.well-known/jwks.json',
      status: 200,
    });
    expect(typeof lines[0]!.durationMs).toBe('number');
    expect(lines[1]).toMatchObject({ level: 40, reqId: 'req-5', msg: 'request aborted' });
  });

  it('does not log health probes and scrapes', () => {
    const log = capture();
    const { lines } = log;
    // Mounted as Nest middleware, Express has made `url` relative to the mount.
    serve(
      log,
      { id: 'req-3', method: 'GET', url: '/', originalUrl: '/healthz' },
      { statusCode: 200 },
    );
    expect(lines).toEqual([]);
  });

  it('names the route template, never the query string of a credential-carrying request', () => {
    const log = capture();
    serve(
      log,
      {
        id: 'req-6',
        method: 'GET',
        url: '/',
        originalUrl:
          '/callback?code=c0de-secret&state=st4te-secret&access_token=t0ken-secret&client_secret=s3cret&client_id=app-1',
        baseUrl: '/admin',
        route: { path: '/clients/:id' },
      },
      { statusCode: 303 },
    );
    expect(log.lines[0]).toMatchObject({ route: '/admin/clients/:id', path: '/callback' });
    expect(log.lines[0]).toMatchObject({ clientId: 'app-1' });
    expect(JSON.stringify(log.lines[0])).not.toMatch(/secret/);
  });

  it('takes the client id from the form or from Basic credentials, never the secret', () => {
    const form = capture();
    serve(
      form,
      {
        id: 'r',
        method: 'POST',
        url: '/token',
        body: { client_id: 'form-app', client_secret: 'x-secret' },
      },
      { statusCode: 200 },
    );
    expect(form.lines[0]).toMatchObject({ clientId: 'form-app' });
    const basic = capture();
    serve(
      basic,
      {
        id: 'r',
        method: 'POST',
        url: '/token',
        headers: {
          authorization: `Basic ${Buffer.from('basic%20app:b-secret').toString('base64')}`,
        },
      },
      { statusCode: 200 },
    );
    expect(basic.lines[0]).toMatchObject({ clientId: 'basic app' });
    expect(JSON.stringify([form.lines, basic.lines])).not.toContain('secret');
  });

  it('carries the OAuth error a response was marked with', () => {
    const log = capture();
    serve(
      log,
      { id: 'r', method: 'POST', url: '/token' },
      { statusCode: 400, locals: { oauthError: 'invalid_grant' } },
    );
    expect(log.lines[0]).toMatchObject({ status: 400, error: 'invalid_grant' });
  });

  it('with LOG_HTTP_HEADERS, adds the headers with credentials redacted', () => {
    const log = capture('info', true);
    serve(
      log,
      {
        id: 'r',
        method: 'GET',
        url: '/userinfo',
        headers: {
          authorization: 'Bearer at-secret',
          cookie: 'sid=c-secret',
          'user-agent': 'curl/8',
          referer: 'https://rp.example/cb?code=r-secret',
        },
      },
      { statusCode: 200 },
    );
    expect(log.lines[0]).toMatchObject({
      headers: {
        authorization: '[Redacted]',
        cookie: '[Redacted]',
        'user-agent': 'curl/8',
        referer: 'https://rp.example/cb',
      },
    });
    expect(JSON.stringify(log.lines[0])).not.toContain('secret');
  });
});
