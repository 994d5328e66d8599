import { Inject, Injectable, type LoggerService, type NestMiddleware } from '@nestjs/common';
import type { LogDestination } from '@latchkey/config';
import { RequestContext } from '@latchkey/transport';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { type Logger as Pino } from 'pino';
import { performance } from 'node:perf_hooks';

export interface LoggingOptions {
  /** Service name stamped on every log line. */
  service: string;
  level: string;
  /** Where lines go; standard output unless a test captures them. */
  destination?: LogDestination;
}

export const LOGGING_OPTIONS = Symbol('LOGGING_OPTIONS');

/** Credentials never reach a log line. */
const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'];

/** Probes and scrapes are not worth a line each. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * JSON logs through pino for everything Nest logs. Each line carries `reqId` when it is written
 * while serving a request: the id the request-context middleware chose for an HTTP request, or the
 * one a bus message carried (RequestContextInterceptor), so one id follows a request across
 * services.
 */
@Injectable()
export class PlatformLogger implements LoggerService {
  readonly pino: Pino;

  constructor(@Inject(LOGGING_OPTIONS) options: LoggingOptions) {
    this.pino = pino(
      { level: options.level, base: { service: options.service }, redact: REDACT },
      options.destination,
    );
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  /**
   * Nest calls `logger.method(message, ...optionalParams)` where the last string is the context
   * (the logger's name) and, for `error`, a string before it may be a stack.
   */
  private write(level: pino.Level, message: unknown, rest: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const params = [...rest];
    const context = typeof params[params.length - 1] === 'string' ? params.pop() : undefined;
    const fields: Record<string, unknown> = {};
    if (context !== undefined) fields.context = context;
    const reqId = RequestContext.requestId();
    if (reqId !== undefined) fields.reqId = reqId;
    if (level === 'error' && typeof params[0] === 'string') fields.stack = params.shift();
    if (params.length > 0) fields.params = params;
    if (message instanceof Error) {
      this.pino[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level]({ ...fields, ...message });
    } else {
      this.pino[level](fields, String(message));
    }
  }
}

/**
 * One line per HTTP request when its response is finished (or the client went away first), with
 * the request's id; probes and scrapes are quiet. Written directly rather than through pino-http,
 * whose per-request child logger cost more than the rest of a cached answer (docs/performance.md).
 */
@Injectable()
export class HttpLoggingMiddleware implements NestMiddleware {
  private readonly pino: Pino;

  constructor(logger: PlatformLogger) {
    this.pino = logger.pino;
  }

  use(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    // originalUrl: mounted as Nest middleware, Express has made `url` relative to the mount.
    if (QUIET_PATHS.has(pathOf(req)) || !this.pino.isLevelEnabled('error')) return next();
    const started = performance.now();
    const done = () => {
      res.removeListener('close', done);
      res.removeListener('finish', done);
      this.completed(req, res, performance.now() - started);
    };
    res.once('finish', done);
    res.once('close', done);
    next();
  }

  private completed(req: IncomingMessage, res: ServerResponse, elapsedMs: number): void {
    const aborted = !res.writableFinished;
    const level: pino.Level =
      res.statusCode >= 500 ? 'error' : res.statusCode >= 400 || aborted ? 'warn' : 'info';
    if (!this.pino.isLevelEnabled(level)) return;
    // One short line: no headers (credentials, cookies, the Location of a code redirect) and no
    // query string (id_token_hint, a misplaced client_secret).
    this.pino[level](
      {
        reqId: (req as IncomingMessage & { id?: string }).id,
        req: requestLine(req),
        res: responseLine(res),
        responseTime: Math.round(elapsedMs),
      },
      aborted ? 'request aborted' : 'request completed',
    );
  }
}

/** What the request log keeps of a request (its id is the line's reqId): method and path. */
function requestLine(req: IncomingMessage) {
  return { method: req.method, path: pathOf(req) };
}

function responseLine(res: ServerResponse) {
  return { statusCode: res.statusCode };
}

function pathOf(req: IncomingMessage): string {
  const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '';
  return url.split('?')[0];
}
