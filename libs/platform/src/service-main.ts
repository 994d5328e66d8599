import { Logger as NestLogger, type DynamicModule } from '@nestjs/common';
import type * as http from 'node:http';
import { loadConfig, type PlatformConfig, type RequiredSetting } from '@latchkey/config';
import type { ServiceName } from '@latchkey/contracts';
import {
  migrateOnly,
  PersistenceModule,
  type ServicePersistenceOptions,
} from '@latchkey/persistence';
import { stopTracing } from '@latchkey/tracing';
import { TransportModule } from '@latchkey/transport';
import { drainHttp } from './http-drain';
import { dbErrors, observeBusRequest } from './metrics';
import { OutboundHttpModule } from './outbound-http';
import { PlatformModule } from './platform.module';
import {
  exitOnStartupFailure,
  processLine,
  startService,
  type StartServiceOptions,
} from './service-runner';

/** What every service module imports: logs/metrics/health, the bus, and where its database is. */
export function platformImports(service: ServiceName, config: PlatformConfig): DynamicModule[] {
  return [
    // One process-wide root logger in embedded mode: label it by the platform, not a service.
    PlatformModule.forRoot({
      service,
      logService: config.mode === 'embedded' ? 'latchkey' : service,
      logLevel: config.logLevel,
      logHttpHeaders: config.logHttpHeaders,
      logDestination: config.logDestination,
    }),
    TransportModule.forRoot({
      service,
      natsUrl: config.natsUrl,
      natsAuth: config.natsAuth,
      timeoutMs: config.busTimeoutMs,
      subjectPrefix: config.natsSubjectPrefix,
      observeRequest: observeBusRequest,
    }),
    PersistenceModule.forRoot({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      // Statements and pool checkouts end before the caller's bus deadline: a 503 in time.
      queryTimeoutMs: config.databaseQueryTimeoutMs,
      connectTimeoutMs: config.databaseQueryTimeoutMs,
      onQueryError: () => dbErrors().inc({ service }),
    }),
    OutboundHttpModule.forRoot(config.outbound),
  ];
}

export interface ServiceMainOptions {
  service: ServiceName;
  module: (config: PlatformConfig) => DynamicModule;
  persistence: ServicePersistenceOptions;
  /** Settings this service cannot run without when it runs alone. */
  require: RequiredSetting[];
  /** HTTP port: the edge for the gateway, health/metrics for the internal services. */
  httpPort: (config: PlatformConfig) => number;
  /** The admin plane's port, for the service that has one (the gateway). */
  adminPort?: (config: PlatformConfig) => number | undefined;
  defaultHealthPort?: number;
  configure?: StartServiceOptions['configure'];
}

/**
 * Entry point of one service process (distributed mode). `main.js migrate` applies the
 * service's migrations and exits (a Kubernetes Job); otherwise the service starts.
 */
export function runServiceMain(options: ServiceMainOptions): void {
  const run = async () => {
    if (process.argv[2] === 'migrate') {
      const config = loadConfig(process.env, { require: ['database'] });
      await migrateOnly({
        databaseUrl: config.databaseUrl,
        dataDir: config.dataDir,
        ...options.persistence,
      });
      return;
    }
    const config = loadConfig(process.env, {
      require: options.require,
      defaultHealthPort: options.defaultHealthPort,
    });
    const app = await startService({
      service: options.service,
      module: options.module(config),
      config,
      httpPort: options.httpPort(config),
      adminPort: options.adminPort?.(config),
      configure: options.configure,
    });
    stopOnSignals(options.service, config.shutdownTimeoutMs, async () => {
      // Requests in flight are answered first (each within its bus deadline, at most half the
      // grace period); the close then drains the bus within the other half.
      const httpDrainMs = Math.min(config.busTimeoutMs, config.shutdownTimeoutMs / 2);
      await drainHttp(app.getHttpServer() as http.Server, httpDrainMs);
      await app.close();
    });
  };
  run().catch((err) => exitOnStartupFailure(options.service, err));
}

/**
 * SIGTERM (Kubernetes) or SIGINT (Ctrl-C): stop taking work, drain HTTP and the bus, then exit 0.
 * A drain that hangs past the grace period exits 1 rather than never.
 */
export function stopOnSignals(name: string, graceMs: number, close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    new NestLogger(name).log(`${signal}: draining and stopping`);
    const force = setTimeout(() => {
      processLine(name, 'error', `did not stop within ${graceMs} ms; exiting`);
      process.exit(1);
    }, graceMs);
    force.unref();
    // The spans of the drain are sent before the process exits.
    close()
      .then(stopTracing)
      .then(
        () => process.exit(0),
        (err: unknown) => {
          processLine(name, 'error', 'error while stopping', err);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
