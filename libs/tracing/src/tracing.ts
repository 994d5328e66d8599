import { ConfigError, loadConfig, type PlatformConfig } from '@latchkey/config';
import type { StartedTracing } from './tracing-sdk';

/** The name a process's spans carry (`service.name`): `latchkey-gateway`, `latchkey-embedded`. */
export function tracedServiceName(service: string): string {
  return `latchkey-${service}`;
}

let started: StartedTracing | undefined;

/**
 * Starts the OpenTelemetry SDK for this process when an OTLP endpoint is configured
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), and answers whether it did.
 * Must run before anything loads `http`, which the SDK instruments. Tracing off (the default): the
 * SDK is never loaded, and spans made through `@opentelemetry/api` are no-ops. A configuration
 * error is left to the process's own `loadConfig`, which reports it and exits.
 */
export function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (started) return true;
  let config: PlatformConfig;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return false;
    throw err;
  }
  if (config.tracing === undefined) return false;
  // Loaded here, not imported: a process with tracing off never loads the SDK.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('./tracing-sdk') as typeof import('./tracing-sdk');
  started = sdk.startTracingSdk(tracedServiceName(service), config.tracing, config.logLevel);
  return true;
}

/**
 * Sends the spans still buffered, then stops; a process calls it as it stops. Never fails: with
 * the collector unreachable the last spans are lost, and the process still stops cleanly.
 */
export async function stopTracing(): Promise<void> {
  const running = started;
  started = undefined;
  await running?.shutdown().catch(() => undefined);
}
