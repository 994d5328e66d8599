import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { HealthController } from './health.controller';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { ensureDefaultMetrics, MetricsController } from './metrics';
import { ReadinessRegistry } from './readiness.registry';
import { readHeader, RequestContext, REQUEST_ID_HEADER } from '@latchkey/transport';

export interface PlatformOptions {
  /** Service name stamped on every log line. */
  service: string;
  logLevel: string;
  /** Serve /healthz, /readyz and /metrics from this application's HTTP server. */
  httpEndpoints?: boolean;
}

const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** What the request log keeps of a request (its id is the line's reqId): method and path. */
function requestLine(req: IncomingMessage & { originalUrl?: string }) {
  const url = req.originalUrl ?? req.url ?? '';
  const query = url.indexOf('?');
  return { method: req.method, path: query < 0 ? url : url.slice(0, query) };
}

function responseLine(res: ServerResponse) {
  return { statusCode: res.statusCode };
}

/** JSON logs with a request id, Prometheus metrics and health probes, the same in every service. */
@Module({})
export class PlatformModule implements NestModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    ensureDefaultMetrics();
    return {
      module: PlatformModule,
      global: true,
      imports: [
        TerminusModule.forRoot({ logger: false, errorLogStyle: 'json' }),
        LoggerModule.forRoot({
          pinoHttp: {
            level: options.logLevel,
            base: { service: options.service },
            // The id was chosen by the request-context middleware (service-runner.ts).
            genReqId: (req: IncomingMessage) =>
              (req as IncomingMessage & { id?: string }).id ?? RequestContext.newRequestId(),
            // One short line per request: no headers (credentials, cookies) and no query string
            // (id_token_hint, state), which also keeps the line cheap on the hot endpoints.
            serializers: { req: requestLine, res: responseLine },
            wrapSerializers: false,
            // Lines logged while handling a request carry its id only, not the request again.
            quietReqLogger: true,
            autoLogging: { ignore: (req) => QUIET_PATHS.has((req.url ?? '').split('?')[0]) },
            customLogLevel: (_req, res, err) =>
              err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
          },
          microservice: {
            autoLogging: false,
            genReqId: (context) => {
              const id = readHeader(context.switchToRpc().getContext(), REQUEST_ID_HEADER);
              return RequestContext.isValidRequestId(id) ? id : RequestContext.newRequestId();
            },
          },
        }),
      ],
      controllers: options.httpEndpoints === false ? [] : [HealthController, MetricsController],
      providers: [ReadinessRegistry],
      exports: [ReadinessRegistry],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}
