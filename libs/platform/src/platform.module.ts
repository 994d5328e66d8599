import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { HttpTracingMiddleware } from './http-tracing.middleware';
import type { LogDestination } from '@latchkey/config';
import {
  HttpLoggingMiddleware,
  LOGGING_OPTIONS,
  PlatformLogger,
  type LoggingOptions,
} from './logging';
import { ensureDefaultMetrics, MetricsController } from './metrics';
import { PLATFORM_SERVICE } from './platform-service';
import { ReadinessRegistry } from './readiness.registry';

export interface PlatformOptions {
  /** The service: the `service` label of its metrics, and of its log lines unless `logService`. */
  service: string;
  /** Name on log lines when not the service's (embedded mode: one process, `latchkey`). */
  logService?: string;
  logLevel: string;
  /** Request log lines carry the request headers (redacted); default false. */
  logHttpHeaders?: boolean;
  /** Standard output unless given. */
  logDestination?: LogDestination;
  /** Serve /healthz, /readyz and /metrics from this application's HTTP server. */
  httpEndpoints?: boolean;
}

/**
 * JSON logs with a request id, Prometheus metrics, trace attributes and health probes, the same
 * in every service.
 */
@Module({})
export class PlatformModule implements NestModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    ensureDefaultMetrics();
    return {
      module: PlatformModule,
      global: true,
      imports: [TerminusModule.forRoot({ logger: false, errorLogStyle: 'json' })],
      controllers: options.httpEndpoints === false ? [] : [HealthController, MetricsController],
      providers: [
        ReadinessRegistry,
        { provide: PLATFORM_SERVICE, useValue: options.service },
        {
          provide: LOGGING_OPTIONS,
          useValue: {
            service: options.logService ?? options.service,
            level: options.logLevel,
            destination: options.logDestination,
            httpHeaders: options.logHttpHeaders,
          } satisfies LoggingOptions,
        },
        PlatformLogger,
        HttpLoggingMiddleware,
        HttpMetricsMiddleware,
        HttpTracingMiddleware,
      ],
      exports: [ReadinessRegistry, PlatformLogger, PLATFORM_SERVICE],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(HttpLoggingMiddleware, HttpMetricsMiddleware, HttpTracingMiddleware)
      .forRoutes('*path');
  }
}
