import type { TracingConfig } from '@latchkey/config';
import { diag, type DiagLogFunction, DiagLogLevel } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import {
  detectResources,
  envDetector,
  hostDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_URL_QUERY } from '@opentelemetry/semantic-conventions';
import pino from 'pino';
import { QUIET_PATHS } from './quiet-paths';

/** What a span records in place of a request's query string. */
export const QUERY_WITHHELD = 'withheld';

export interface StartedTracing {
  shutdown(): Promise<void>;
}

/**
 * The SDK, loaded only when tracing is on: spans batched to the OTLP/HTTP endpoint, W3C trace
 * context propagation and AsyncLocalStorage context (`register()`'s defaults), and the `http`
 * module instrumented, so every request served is a server span that continues the caller's
 * `traceparent`. Probes and scrapes make no spans. The exporter also honours the standard
 * OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT and _COMPRESSION, and the resource OTEL_RESOURCE_ATTRIBUTES.
 */
export function startTracingSdk(
  serviceName: string,
  config: TracingConfig,
  logLevel: string,
): StartedTracing {
  reportSdkProblems(serviceName, logLevel);
  const exporter =
    config.protocol === 'http/json'
      ? new OtlpJsonTraceExporter({ url: config.tracesUrl })
      : new OtlpProtobufTraceExporter({ url: config.tracesUrl });
  const provider = new NodeTracerProvider({
    // The service's own name wins over an OTEL_SERVICE_NAME shared by every process of a pod spec.
    resource: detectResources({ detectors: [envDetector, hostDetector] }).merge(
      resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    ),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  provider.register();
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => QUIET_PATHS.has((req.url ?? '').split('?')[0]),
        // A query string may carry a credential (`access_token`, `id_token_hint`, `code`): none is
        // recorded, only that there was one, as the request log keeps only the path.
        startIncomingSpanHook: (req) =>
          (req.url ?? '').includes('?') ? { [ATTR_URL_QUERY]: QUERY_WITHHELD } : {},
        // Outgoing calls (a client's jwks_uri, an upstream identity provider) only inside a trace.
        requireParentforOutgoingSpans: true,
      }),
    ],
  });
  return {
    shutdown: async () => {
      unregister();
      await provider.shutdown();
    },
  };
}

/**
 * The SDK's own warnings and errors (a collector that refuses or cannot be reached, spans dropped
 * from a full queue) as JSON log lines like every other, rather than lost: tracing that silently
 * sends nothing looks like a platform without traffic.
 */
function reportSdkProblems(serviceName: string, logLevel: string): void {
  const logger = pino({ base: { service: serviceName }, level: logLevel });
  const line =
    (level: 'error' | 'warn'): DiagLogFunction =>
    (message, ...args) =>
      logger[level](`tracing: ${message}${args.map((arg) => ` ${describe(arg)}`).join('')}`);
  const ignore: DiagLogFunction = () => undefined;
  diag.setLogger(
    { error: line('error'), warn: line('warn'), info: ignore, debug: ignore, verbose: ignore },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
}

function describe(arg: unknown): string {
  if (arg instanceof Error) return `${arg.name}: ${arg.message}`;
  if (typeof arg === 'string') return arg;
  try {
    return JSON.stringify(arg)?.slice(0, 500) ?? String(arg);
  } catch {
    return String(arg);
  }
}
