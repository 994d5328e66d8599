import { Controller, Get, Header } from '@nestjs/common';
import { GRANT_TYPES, OAUTH_ERROR_CODES } from '@latchkey/oauth';
import { collectDefaultMetrics, Counter, Gauge, Histogram, register } from 'prom-client';

/**
 * One Prometheus registry per process (embedded mode runs four services in one process and
 * exposes them together). Metrics are created once and reused by every module that asks.
 *
 * Every label value comes from a set the code bounds, never from what a caller sent: route
 * templates, subjects of libs/contracts, RFC error codes, the supported grant types (else
 * `other`). The names are the ones dashboards and alert rules query (docs/operations.md).
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

/** What a gauge reads when Prometheus scrapes it: each service's reader sets its own labels. */
type ScrapeReader = () => unknown;
const scrapeReaders = new Map<string, Set<ScrapeReader>>();

/**
 * Reads `gauge` at every scrape with `read` (a pool's counts, an outbox query), until the returned
 * function is called (the application stops). A reader that fails leaves the last value.
 */
export function readOnScrape(gauge: Gauge, read: ScrapeReader): () => void {
  const name = (gauge as unknown as { name: string }).name;
  const readers = scrapeReaders.get(name) ?? new Set<ScrapeReader>();
  scrapeReaders.set(name, readers);
  readers.add(read);
  return () => readers.delete(read);
}

/**
 * Like {@link readOnScrape} for several gauges one read sets (one query for the backlog and its
 * age): Prometheus collects them at once, so the read runs once per scrape, not once per gauge.
 */
export function readTogetherOnScrape(gauges: Gauge[], read: ScrapeReader): () => void {
  let last: { at: number; reading: Promise<unknown> } | undefined;
  const once = () => {
    if (!last || Date.now() - last.at > 1000) {
      last = { at: Date.now(), reading: Promise.resolve().then(read) };
    }
    return last.reading;
  };
  const stops = gauges.map((gauge) => readOnScrape(gauge, once));
  return () => stops.forEach((stop) => stop());
}

function collectReaders(name: string) {
  return async () => {
    const readers = [...(scrapeReaders.get(name) ?? [])];
    await Promise.all(
      readers.map(async (read) => {
        try {
          await read();
        } catch {
          // The backend did not answer: keep the last value; its own errors metric counts.
        }
      }),
    );
  };
}

/** A gauge whose value is read at scrape time through {@link readOnScrape}. */
function scrapedGauge(name: string, help: string, labelNames: string[] = []): () => Gauge {
  return () =>
    singleton(name, () => new Gauge({ name, help, labelNames, collect: collectReaders(name) }));
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export const httpRequestDuration = () =>
  singleton(
    'latchkey_http_request_duration_seconds',
    () =>
      new Histogram({
        name: 'latchkey_http_request_duration_seconds',
        help: 'HTTP request duration by service, route template and status',
        labelNames: ['service', 'method', 'route', 'status'],
        buckets: LATENCY_BUCKETS,
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

/** Online verification (`audit.verify`) found the chain broken: someone changed the log. */
export const auditChainVerifyFailures = () =>
  singleton(
    'latchkey_audit_chain_verify_failures_total',
    () =>
      new Counter({
        name: 'latchkey_audit_chain_verify_failures_total',
        help: 'Audit chain verifications that found a broken row or checkpoint, by reason',
        labelNames: ['reason'],
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

export const busRequestDuration = () =>
  singleton(
    'latchkey_bus_request_duration_seconds',
    () =>
      new Histogram({
        name: 'latchkey_bus_request_duration_seconds',
        help: 'Bus requests as the caller saw them, by subject and outcome (ok, error, unavailable)',
        labelNames: ['subject', 'outcome'],
        buckets: LATENCY_BUCKETS,
      }),
  );

/** BusClient's observer: one sample per request, labelled by the contract's subject. */
export function observeBusRequest(subject: string, outcome: string, seconds: number): void {
  busRequestDuration().observe({ subject, outcome }, seconds);
}

/** The label of an error code: itself when the RFCs define it, `other` otherwise. */
export function oauthErrorLabel(error: string): string {
  return OAUTH_ERROR_CODES.has(error) ? error : 'other';
}

/** The label of a `grant_type` parameter: a supported grant type, else `other` (or `none`). */
export function grantTypeLabel(grantType: unknown): string {
  if (typeof grantType !== 'string' || grantType === '') return 'none';
  return (GRANT_TYPES as readonly string[]).includes(grantType) ? grantType : 'other';
}

export const oauthErrors = () =>
  singleton(
    'latchkey_oauth_errors_total',
    () =>
      new Counter({
        name: 'latchkey_oauth_errors_total',
        help: 'OAuth error responses by service, endpoint (route template) and RFC error code',
        labelNames: ['service', 'endpoint', 'error'],
      }),
  );

export const tokensIssued = () =>
  singleton(
    'latchkey_tokens_issued_total',
    () =>
      new Counter({
        name: 'latchkey_tokens_issued_total',
        help: 'Successful token endpoint responses, by grant type',
        labelNames: ['grant_type'],
      }),
  );

export const tokenRequestsRefused = () =>
  singleton(
    'latchkey_token_requests_refused_total',
    () =>
      new Counter({
        name: 'latchkey_token_requests_refused_total',
        help: 'Token endpoint requests refused, by grant type and RFC 6749 error code',
        labelNames: ['grant_type', 'error'],
      }),
  );

/** How a login attempt ended (latchkey_logins_total's `outcome`). */
export type LoginOutcome = 'succeeded' | 'failed' | 'rate_limited' | 'unavailable';

export const logins = () =>
  singleton(
    'latchkey_logins_total',
    () =>
      new Counter({
        name: 'latchkey_logins_total',
        help: 'Login attempts by method (password, upstream) and outcome',
        labelNames: ['method', 'outcome'],
      }),
  );

export const outboxBacklog = scrapedGauge(
  'latchkey_outbox_backlog',
  'Audit events in the service outbox not yet delivered',
  ['service'],
);

export const outboxOldestAge = scrapedGauge(
  'latchkey_outbox_oldest_age_seconds',
  'Age of the oldest undelivered audit event in the service outbox (0 when empty)',
  ['service'],
);

export const auditConsumerPending = () =>
  singleton(
    'latchkey_audit_consumer_pending',
    () =>
      new Gauge({
        name: 'latchkey_audit_consumer_pending',
        help: "Audit events in the stream the audit service's consumer has not received yet (num_pending)",
      }),
  );

export const auditRedeliveries = () =>
  singleton(
    'latchkey_audit_redeliveries_total',
    () =>
      new Counter({
        name: 'latchkey_audit_redeliveries_total',
        help: 'Audit stream messages delivered to the audit service more than once',
      }),
  );

export const dbPoolConnections = scrapedGauge(
  'latchkey_db_pool_connections',
  'Database pool connections by state (total, idle, waiting: checkouts queued)',
  ['service', 'state'],
);

export const dbErrors = () =>
  singleton(
    'latchkey_db_errors_total',
    () =>
      new Counter({
        name: 'latchkey_db_errors_total',
        help: 'Database queries that failed for another reason than a constraint (unreachable, timeout, bug)',
        labelNames: ['service'],
      }),
  );

export const redisConnected = scrapedGauge(
  'latchkey_redis_connected',
  'Whether the service is connected to Redis (1) or not (0)',
  ['service'],
);

export const redisErrors = () =>
  singleton(
    'latchkey_redis_errors_total',
    () =>
      new Counter({
        name: 'latchkey_redis_errors_total',
        help: 'Redis connection errors and failed commands',
        labelNames: ['service'],
      }),
  );

export const signingKeyAge = scrapedGauge(
  'latchkey_signing_key_age_seconds',
  'Age of the active signing key',
);

export const signingKeyExpiresIn = scrapedGauge(
  'latchkey_signing_key_expires_in_seconds',
  'Time until the active signing key is due for rotation',
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
