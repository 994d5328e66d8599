import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import type { LogDestination } from '@latchkey/config';
import {
  HttpLoggingMiddleware,
  LOGGING_OPTIONS,
  PlatformLogger,
  type LoggingOptions,
} from './logging';
import { ensureDefaultMetrics, MetricsController } from './metrics';
import { ReadinessRegistry } from './readiness.registry';

export interface PlatformOptions {
  /** Service name stamped on every log line. */
  service: string;
  logLevel: string;
  /** Standard output unless given. */
  logDestination?: LogDestination;
  /** Serve /healthz, /readyz and /metrics from this application's HTTP server. */
  httpEndpoints?: boolean;
}

/** JSON logs with a request id, Prometheus metrics and health probes, the same in every service. */
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
        {
          provide: LOGGING_OPTIONS,
          useValue: {
            service: options.service,
            level: options.logLevel,
            destination: options.logDestination,
          } satisfies LoggingOptions,
        },
        PlatformLogger,
        HttpLoggingMiddleware,
      ],
      exports: [ReadinessRegistry, PlatformLogger],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpLoggingMiddleware, HttpMetricsMiddleware).forRoutes('*path');
  }
}
