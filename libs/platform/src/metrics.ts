import { Controller, Get, Header } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, register } from 'prom-client';

/**
 * One Prometheus registry per process (embedded mode runs four services in one process and
 * exposes them together). Metrics are created once and reused by every module that asks.
 */
let defaultsCollected = false;

export function ensureDefaultMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ prefix: 'latchkey_' });
}

function singleton<T>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

export const httpRequestDuration = () =>
  singleton(
    'latchkey_http_request_duration_seconds',
    () =>
      new Histogram({
        name: 'latchkey_http_request_duration_seconds',
        help: 'HTTP request duration by route and status',
        labelNames: ['method', 'route', 'status'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      }),
  );

export const busMessagesHandled = () =>
  singleton(
    'latchkey_bus_messages_total',
    () =>
      new Counter({
        name: 'latchkey_bus_messages_total',
        help: 'Messages and events handled from the service bus, by handler subject and outcome',
        labelNames: ['service', 'subject', 'outcome'],
      }),
  );

/** Audit events the audit service refused (docs/audit-consumers.md): forged, unsigned, malformed. */
export const auditEventsRejected = () =>
  singleton(
    'latchkey_audit_events_rejected_total',
    () =>
      new Counter({
        name: 'latchkey_audit_events_rejected_total',
        help: 'Audit events refused and not stored, by reason (unsigned, unknown_key, wrong_source, bad_signature, malformed)',
        labelNames: ['reason'],
      }),
  );

/** Audit events moved to the dead-letter subject after failing to be stored too often. */
export const auditDeadLetters = () =>
  singleton(
    'latchkey_audit_dead_letters_total',
    () =>
      new Counter({
        name: 'latchkey_audit_dead_letters_total',
        help: 'Audit stream messages that could not be stored and went to the dead-letter subject',
      }),
  );

@Controller()
export class MetricsController {
  @Get('metrics')
  @Header('Content-Type', register.contentType)
  @Header('Cache-Control', 'no-store')
  metrics(): Promise<string> {
    return register.metrics();
  }
}
