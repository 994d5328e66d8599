import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ConfigError, type PlatformConfig } from '@latchkey/config';
import type { ServiceName } from '@latchkey/contracts';
import { connectBus, RequestContext, REQUEST_ID_HEADER } from '@latchkey/transport';
import { json, urlencoded } from 'express';
import type * as http from 'node:http';
import pino from 'pino';
import type { NextFunction, Request, Response } from 'express';
import { adminPlaneSeparation, listenAdminPlane } from './admin-plane';
import { BusMetricsInterceptor } from './bus-metrics.interceptor';
import { trackInFlightRequests } from './http-drain';
import { verifyFormBody, verifyJsonBody } from './edge-input';
import { PlatformLogger } from './logging';

/** Bodies larger than this are refused with 413 before any handler runs. */
export const MAX_BODY_BYTES = 64 * 1024;

export interface StartServiceOptions {
  service: ServiceName;
  module: DynamicModule;
  config: PlatformConfig;
  /** Port for HTTP: the public edge for the gateway, health and metrics for the others. */
  httpPort?: number;
  /** Host to bind; all interfaces by default (containers). */
  host?: string;
  /** The admin plane's own port (the gateway's ADMIN_PORT): admin paths are served there only. */
  adminPort?: number;
  /** Steps that need the created application before it serves (e.g. the OpenAPI document). */
  configure?: (app: INestApplication) => void | Promise<void>;
}

/**
 * Creates one service: HTTP (edge or health/metrics), its bus server, JSON logs. The same code
 * runs a service alone (distributed) or next to the others in one process (embedded).
 */
export async function startService(options: StartServiceOptions): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(options.module, {
    // JSON from the first line: what Nest logs while it builds the module (a provider that
    // fails, a database it retries) goes through the platform's logger, not Nest's coloured text.
    logger: new PlatformLogger({
      service: options.config.mode === 'embedded' ? 'latchkey' : options.service,
      level: options.config.logLevel,
      destination: options.config.logDestination,
    }),
    // A module that fails to build rejects here (exitOnStartupFailure), rather than exiting.
    abortOnError: false,
    bodyParser: false,
    forceCloseConnections: true,
  });
  app.useLogger(app.get(PlatformLogger));
  trackInFlightRequests(app.getHttpServer() as http.Server);
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxySetting(options.config));
  if (options.adminPort !== undefined) app.use(adminPlaneSeparation);
  useBodyParsers(app);
  app.use(requestContext);

  connectBus(
    app,
    {
      service: options.service,
      natsUrl: options.config.natsUrl,
      natsAuth: options.config.natsAuth,
      timeoutMs: options.config.busTimeoutMs,
      subjectPrefix: options.config.natsSubjectPrefix,
    },
    (microservice) =>
      microservice.useGlobalInterceptors(new BusMetricsInterceptor(options.service)),
  );
  await options.configure?.(app);
  await app.startAllMicroservices();
  if (options.httpPort !== undefined) {
    await app.listen(options.httpPort, options.host ?? '0.0.0.0');
    if (options.adminPort !== undefined) {
      await listenAdminPlane(app, options.adminPort, options.host ?? '0.0.0.0');
    }
  } else {
    await app.init();
  }
  return app;
}

/**
 * Express's `trust proxy`: only the configured proxies (TRUSTED_PROXIES), none by default. A
 * trusted peer decides `req.ip` (login limits, audit events) with `X-Forwarded-For`, so trusting
 * whole networks would let any caller in them choose its own address.
 */
export function trustProxySetting(
  config: Pick<PlatformConfig, 'trustedProxies'>,
): string[] | false {
  return config.trustedProxies.length > 0 ? [...config.trustedProxies] : false;
}

/**
 * One id per HTTP request (the caller's when well-formed), echoed in the response, bound to
 * every log line and carried across the bus to every service the request touches, with the
 * caller's address (`req.ip`, after TRUSTED_PROXIES) and user agent for audit events; and a signal
 * that fires when the client closes its connection before the answer is complete, so that work
 * whose caller went away changes nothing (`RequestContext.assertCallerWaiting`).
 */
function requestContext(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.headers[REQUEST_ID_HEADER];
  const requestId = RequestContext.isValidRequestId(incoming)
    ? incoming
    : RequestContext.newRequestId();
  (req as Request & { id?: string }).id = requestId;
  res.setHeader(REQUEST_ID_HEADER, requestId);
  const caller = RequestContext.readCaller(req.ip, req.headers['user-agent']);
  const callerGone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) callerGone.abort();
  });
  RequestContext.run({ requestId, caller, signal: callerGone.signal }, next);
}

/**
 * body-parser reports malformed or oversized bodies through Express's error chain, which
 * Nest's filters never see; answer them here as RFC 6749 JSON instead of an HTML page. Only an
 * oversized body keeps its own status (413); every other refusal (bad JSON, an unsupported
 * charset or Content-Encoding, which body-parser calls 415) is the 400 `invalid_request` that
 * OAuth clients expect (RFC 6749 §5.2), described without echoing the input.
 */
/**
 * The platform's request bodies, for a service and for a test application alike: JSON (merge
 * patches, RFC 7396, are JSON too and get the same checks) and forms, bounded by MAX_BODY_BYTES
 * and checked by the edge-input rules; a body that fails is answered 413 or 400 here. Express's
 * parsers rather than useBodyParser, which takes no `verify` step.
 */
export function useBodyParsers(app: NestExpressApplication): void {
  app.use(
    json({
      limit: MAX_BODY_BYTES,
      type: ['application/json', 'application/merge-patch+json'],
      verify: verifyJsonBody,
    }),
  );
  app.use(urlencoded({ limit: MAX_BODY_BYTES, extended: false, verify: verifyFormBody }));
  app.use(bodyParserErrors);
}

export function bodyParserErrors(
  err: unknown,
  _req: Request,
  res: Response,
  next: NextFunction,
): void {
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status !== 'number' || status < 400 || status >= 500) return next(err);
  const tooLarge = status === 413;
  res
    .status(tooLarge ? 413 : 400)
    .setHeader('Cache-Control', 'no-store')
    .setHeader('Pragma', 'no-cache')
    .json({
      error: 'invalid_request',
      error_description: tooLarge ? 'request body too large' : 'malformed request body',
    });
}

/**
 * Exits when a service cannot start (bad config, backend down), with one JSON line like every
 * other: a log pipeline parses it, and the message names the cause (the bad variable).
 */
export function exitOnStartupFailure(service: string, err: unknown): never {
  processLine(service, 'fatal', `failed to start: ${describeFailure(err)}`, err);
  process.exit(1);
}

/** A JSON line on standard output from outside any application (start, stop), written at once. */
export function processLine(
  service: string,
  level: 'fatal' | 'error' | 'info',
  message: string,
  err?: unknown,
): void {
  const logger = pino({ base: { service } }, pino.destination({ dest: 1, sync: true }));
  // A configuration error's message is the whole story; anything else keeps its stack.
  const detail = err instanceof Error && !(err instanceof ConfigError) ? { err } : {};
  logger[level](detail, message);
}

function describeFailure(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
