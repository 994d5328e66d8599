import { Inject, Injectable, type LoggerService, type NestMiddleware } from '@nestjs/common';
import type { LogDestination } from '@latchkey/config';
import { oauthErrorOf } from '@latchkey/oauth-http';
import { routeTemplate } from './route-template';
import { QUIET_PATHS } from '@latchkey/tracing';
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
  /** Request lines carry the request headers, credentials redacted (LOG_HTTP_HEADERS). */
  httpHeaders?: boolean;
}

export const LOGGING_OPTIONS = Symbol('LOGGING_OPTIONS');

/** Credentials never reach a log line, even with LOG_HTTP_HEADERS on. */
const CREDENTIAL_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'dpop',
  'x-api-key',
  'x-amz-security-token',
];
const REDACT = CREDENTIAL_HEADERS.flatMap((name) => [
  `headers["${name}"]`,
  `req.headers["${name}"]`,
]);

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
    // Nest passes `undefined` for an absent stack or context.
    const params = rest.filter((param) => param !== undefined);
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
 * One line per HTTP request when its response is finished (or the client went away first):
 * method, route template, path, status, duration, request id, the client it named and the OAuth
 * error it got. No query string (codes, tokens, `state`, a misplaced `client_secret`) and, unless
 * LOG_HTTP_HEADERS is on, no headers; credential headers are redacted even then. Probes and
 * scrapes are quiet. Written directly rather than through pino-http, whose per-request child
 * logger cost more than the rest of a cached answer (docs/performance.md).
 */
@Injectable()
export class HttpLoggingMiddleware implements NestMiddleware {
  private readonly pino: Pino;
  private readonly withHeaders: boolean;

  constructor(logger: PlatformLogger, @Inject(LOGGING_OPTIONS) options: LoggingOptions) {
    this.pino = logger.pino;
    this.withHeaders = options.httpHeaders === true;
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
    const express = req as RoutedRequest;
    const line: Record<string, unknown> = {
      reqId: express.id,
      method: req.method,
      route: routeTemplate(express),
      path: pathOf(req),
      status: res.statusCode,
      durationMs: Math.round(elapsedMs * 10) / 10,
    };
    const clientId = claimedClientId(express);
    if (clientId !== undefined) line.clientId = clientId;
    const error = oauthErrorOf(res as ServerResponse & { locals?: Record<string, unknown> });
    if (error !== undefined) line.error = error;
    if (this.withHeaders) line.headers = loggableHeaders(req);
    this.pino[level](line, aborted ? 'request aborted' : 'request completed');
  }
}

type RoutedRequest = IncomingMessage & {
  id?: string;
  originalUrl?: string;
  baseUrl?: string;
  route?: { path?: string };
  body?: unknown;
};

function pathOf(req: IncomingMessage): string {
  const url = (req as RoutedRequest).originalUrl ?? req.url ?? '';
  return url.split('?')[0];
}

const MAX_CLIENT_ID_LENGTH = 128;

/**
 * The client a request names, not necessarily one that authenticated: `client_id` of the form
 * or the query, or the user name of HTTP Basic credentials (RFC 6749 §2.3.1). Never the secret.
 */
export function claimedClientId(req: RoutedRequest): string | undefined {
  const fromBody = (req.body as { client_id?: unknown } | undefined)?.client_id;
  const fromQuery = new URLSearchParams((req.originalUrl ?? req.url ?? '').split('?')[1] ?? '').get(
    'client_id',
  );
  const candidate =
    typeof fromBody === 'string'
      ? fromBody
      : (fromQuery ?? basicUserName(req.headers.authorization));
  if (candidate === undefined || candidate === '') return undefined;
  return candidate.length > MAX_CLIENT_ID_LENGTH
    ? `${candidate.slice(0, MAX_CLIENT_ID_LENGTH)}…`
    : candidate;
}

function basicUserName(authorization: string | undefined): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** The request headers without a Referer's query string; pino redacts the credential ones. */
function loggableHeaders(req: IncomingMessage): Record<string, unknown> {
  const headers: Record<string, unknown> = { ...req.headers };
  if (typeof headers.referer === 'string') headers.referer = headers.referer.split(/[?#]/)[0];
  return headers;
}
