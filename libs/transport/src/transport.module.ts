import {
  type DynamicModule,
  type INestApplication,
  type INestMicroservice,
  Module,
} from '@nestjs/common';
import {
  type ClientNats,
  type CustomStrategy,
  type MicroserviceOptions,
  NestMicroservice,
} from '@nestjs/microservices';
import { PAYLOAD_RULES, type PayloadRule } from '@latchkey/contracts';
import { BusClient, type BusClientOptions } from './bus.client';
import { BusTracingInterceptor } from './bus-tracing';
import { InProcessBus } from './in-process/in-process.bus';
import { InProcessClient } from './in-process/in-process.client';
import { InProcessServer } from './in-process/in-process.server';
import { createNatsClient, natsServerOptions } from './nats/nats.options';
import { PayloadValidationInterceptor } from './payload-validation.interceptor';
import { RequestContextInterceptor } from './request-context.interceptor';
import { RpcErrorFilter } from './rpc-error.filter';
import {
  BUS_CLIENT_OPTIONS,
  BUS_CLIENT_PROXY,
  DEFAULT_BUS_TIMEOUT_MS,
  type TransportOptions,
} from './transport.options';

export interface MicroserviceTransportOptions extends TransportOptions {
  /** NATS only: see `natsServerOptions` (defaults to the bus timeout). */
  gracePeriodMs?: number;
  /** In-process only: defaults to `InProcessBus.shared`. */
  bus?: InProcessBus;
  /** The payload rule of each subject; the wire contract's (`PAYLOAD_RULES`) unless a test's. */
  payloadRules?: Readonly<Record<string, PayloadRule>>;
}

/** The ClientProxy BusClient wraps: ClientNats when a NATS URL is configured, in-process otherwise. */
export function createBusClientProxy(
  options: TransportOptions & { bus?: InProcessBus },
): ClientNats | InProcessClient {
  return options.natsUrl
    ? createNatsClient({
        natsUrl: options.natsUrl,
        name: `${options.service}-client`,
        subjectPrefix: options.subjectPrefix,
        auth: options.natsAuth,
      })
    : new InProcessClient({ bus: options.bus });
}

/** Server side for `app.connectMicroservice(...)` / `NestFactory.createMicroservice(...)`. */
export function microserviceOptions(options: MicroserviceTransportOptions): CustomStrategy {
  if (!options.natsUrl) {
    return { strategy: new InProcessServer({ service: options.service, bus: options.bus }) };
  }
  return natsServerOptions({
    natsUrl: options.natsUrl,
    name: options.service,
    auth: options.natsAuth,
    queue: options.service,
    subjectPrefix: options.subjectPrefix,
    gracePeriodMs: options.gracePeriodMs ?? options.timeoutMs ?? DEFAULT_BUS_TIMEOUT_MS,
  });
}

/**
 * What every bus server needs: errors as data (RpcErrorFilter), the request id, the handler's
 * span in the sender's trace, and every payload checked against its subject's rule before a
 * handler reads it (interceptors, in order).
 */
export function applyBusEnhancers<
  T extends Pick<INestMicroservice, 'useGlobalFilters' | 'useGlobalInterceptors'>,
>(microservice: T, payloadRules: Readonly<Record<string, PayloadRule>> = PAYLOAD_RULES): T {
  microservice.useGlobalFilters(new RpcErrorFilter());
  microservice.useGlobalInterceptors(
    new RequestContextInterceptor(),
    new BusTracingInterceptor(),
    new PayloadValidationInterceptor(payloadRules),
  );
  return microservice;
}

/**
 * Connects the bus server to a hybrid app (HTTP for health and metrics, bus for the service), with
 * the RPC filter and interceptor on the microservice only: the app's HTTP filter must not see RPC
 * errors, nor this catch-all filter HTTP ones (hence no `inheritAppConfig`).
 *
 * Nest 12 registers a connected microservice's handlers inside `connectMicroservice`, before
 * global enhancers could be added, unless initialization is deferred; this defers it, adds them,
 * and then performs the same registration steps that `connectMicroservice` would have.
 */
export function connectBus(
  app: INestApplication,
  options: MicroserviceTransportOptions,
  /** Extra setup before handlers are registered (e.g. logging hooks). */
  setup?: (microservice: INestMicroservice) => void,
): INestMicroservice {
  const microservice = app.connectMicroservice<MicroserviceOptions>(microserviceOptions(options), {
    deferInitialization: true,
  });
  if (!(microservice instanceof NestMicroservice)) {
    throw new Error(
      'connectBus: unexpected microservice implementation; wire RpcErrorFilter by hand',
    );
  }
  applyBusEnhancers(microservice, options.payloadRules);
  setup?.(microservice);
  microservice.registerListeners();
  microservice.setIsInitialized(true);
  microservice.setIsInitHookCalled(true);
  return microservice;
}

/**
 * Provides `BusClient` everywhere (global). Call once per app, in the root module:
 * `TransportModule.forRoot({ service: 'gateway', natsUrl: env.NATS_URL })`.
 */
@Module({})
export class TransportModule {
  static forRoot(options: TransportOptions): DynamicModule {
    const clientOptions: BusClientOptions = {
      timeoutMs: options.timeoutMs,
      observe: options.observeRequest,
    };
    return {
      module: TransportModule,
      global: true,
      providers: [
        { provide: BUS_CLIENT_OPTIONS, useValue: clientOptions },
        { provide: BUS_CLIENT_PROXY, useFactory: () => createBusClientProxy(options) },
        BusClient,
      ],
      exports: [BusClient],
    };
  }
}
