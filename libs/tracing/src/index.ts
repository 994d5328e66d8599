/**
 * OpenTelemetry tracing, off by default (docs/operations.md, Tracing). `startTracing` runs first
 * in a process's entry file, before Nest and Express load `http`; without an OTLP endpoint it loads
 * nothing. Spans themselves are made through `@opentelemetry/api`, a no-op until tracing starts:
 * the bus's in libs/transport, the HTTP route and request id in libs/platform.
 */
export * from './quiet-paths';
export * from './span-attributes';
export * from './tracing';
