import { RequestContext } from '@latchkey/transport';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EventEmitter } from 'node:events';
import { HttpLoggingMiddleware, PlatformLogger } from './logging';

function capture(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const logger = new PlatformLogger({
    service: 'svc',
    level,
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  });
  return { logger, lines };
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
    const middleware = new HttpLoggingMiddleware(logger);
    const req = Object.assign(new EventEmitter(), {
      id: 'req-2',
      method: 'POST',
      url: '/token',
      headers: { authorization: 'Basic c2VjcmV0', cookie: 'sid=secret' },
      socket: {},
    }) as unknown as IncomingMessage;
    const res = Object.assign(new EventEmitter(), {
      statusCode: 401,
      headersSent: true,
      getHeaders: () => ({ 'set-cookie': 'sid=secret' }),
      setHeader: () => undefined,
    }) as unknown as ServerResponse;
    middleware.use(req, res, () => undefined);
    res.emit('finish');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      reqId: 'req-2',
      req: { id: 'req-2', method: 'POST', url: '/token' },
      res: { statusCode: 401 },
    });
    expect(JSON.stringify(lines[0])).not.toContain('secret');
  });

  it('does not log health probes and scrapes', () => {
    const { logger, lines } = capture();
    const middleware = new HttpLoggingMiddleware(logger);
    const req = Object.assign(new EventEmitter(), {
      id: 'req-3',
      method: 'GET',
      url: '/',
      originalUrl: '/healthz',
      headers: {},
      socket: {},
    }) as unknown as IncomingMessage;
    const res = Object.assign(new EventEmitter(), {
      statusCode: 200,
      getHeaders: () => ({}),
      setHeader: () => undefined,
    }) as unknown as ServerResponse;
    middleware.use(req, res, () => undefined);
    res.emit('finish');
    expect(lines).toEqual([]);
  });
});
