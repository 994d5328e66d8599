import { RequestContext } from '@latchkey/transport';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EventEmitter } from 'node:events';
import { HttpLoggingMiddleware, PlatformLogger } from './logging';

function capture(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const logger = new PlatformLogger({
    service: 'svc',
    level,
    destination: {
      write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>),
    },
  });
  return { logger, lines };
}

/** One request through the middleware, as Express hands it over; `finish` ends the response. */
function serve(
  logger: PlatformLogger,
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
  new HttpLoggingMiddleware(logger).use(
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
    const { logger, lines } = capture();
    serve(
      logger,
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
      req: { method: 'POST', path: '/token' },
      res: { statusCode: 401 },
    });
    expect(JSON.stringify(lines[0])).not.toContain('secret');
  });

  it('logs a completed request at info with its duration, and a request the client left as aborted', () => {
    const { logger, lines } = capture();
    serve(
      logger,
      { id: 'req-4', method: 'GET', url: '/.well-known/jwks.json' },
      { statusCode: 200 },
    );
    serve(logger, { id: 'req-5', method: 'POST', url: '/login' }, { statusCode: 200 }, 'close');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 30,
      reqId: 'req-4',
      msg: 'request completed',
      req: { method: 'GET', path: '/.well-known/jwks.json' },
      res: { statusCode: 200 },
    });
    expect(typeof lines[0]!.responseTime).toBe('number');
    expect(lines[1]).toMatchObject({ level: 40, reqId: 'req-5', msg: 'request aborted' });
  });

  it('does not log health probes and scrapes', () => {
    const { logger, lines } = capture();
    // Mounted as Nest middleware, Express has made `url` relative to the mount.
    serve(
      logger,
      { id: 'req-3', method: 'GET', url: '/', originalUrl: '/healthz' },
      { statusCode: 200 },
    );
    expect(lines).toEqual([]);
  });
});
