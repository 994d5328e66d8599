import { LOG_LEVELS, type PlatformEnv } from './env.schema';
import {
  DEFAULT_AUDIT_SETTINGS,
  DEFAULT_AUDIT_STREAM,
  DEFAULT_BRAND,
  DEFAULT_KEY_ROTATION,
  DEFAULT_SETTINGS,
} from './platform.config';

export interface EnvVariableDoc {
  /** What an unset variable means, as markdown. */
  default: string;
  /** What the variable does, as markdown (one line). */
  meaning: string;
}

const code = (value: string | number) => `\`${value}\``;

/**
 * One entry per variable of the environment schema, in the order of the README's configuration
 * table (`npm run docs:config` writes it; a unit test fails when README.md differs). A variable
 * added to PlatformEnv without an entry here does not compile.
 */
export const PLATFORM_ENV_DOCS: Readonly<Record<keyof PlatformEnv, EnvVariableDoc>> = {
  PORT: { default: code(DEFAULT_SETTINGS.port), meaning: 'gateway HTTP port' },
  ADMIN_PORT: {
    default: 'unset (admin paths on `PORT`)',
    meaning:
      'gateway admin plane: when set, `/admin/*` (admin API, OpenAPI, Swagger UI) and `/metrics` are served on this port only, never on `PORT`',
  },
  HEALTH_PORT: {
    default: '9101 / 9102 / 9103',
    meaning:
      'HTTP port of token / client-registry / audit: health and metrics; the token service also serves `/token`, `/introspect`, `/revoke` and the JWKS there for an ingress that routes them to it',
  },
  ISSUER: {
    default: code('http://localhost:$PORT'),
    meaning: 'public base URL; the `iss` of every token',
  },
  DATABASE_URL: {
    default: 'embedded PGlite in `$DATA_DIR/pg`',
    meaning: 'PostgreSQL; each service uses its own schema; required by every distributed service',
  },
  REDIS_URL: {
    default: 'embedded in-memory store',
    meaning: 'Redis for codes, sessions, interactions; required by a distributed gateway and token',
  },
  NATS_URL: {
    default: 'embedded in-process bus',
    meaning:
      'NATS with JetStream; comma-separated for a cluster; required by every distributed service',
  },
  NATS_USER: {
    default: 'none',
    meaning: 'NATS user, with `NATS_PASSWORD`; or use `NATS_NKEY_SEED` or `NATS_CREDS_FILE`',
  },
  NATS_PASSWORD: { default: 'none', meaning: "the NATS user's password" },
  NATS_NKEY_SEED: { default: 'none', meaning: 'NATS user NKey seed (`SU...`)' },
  NATS_CREDS_FILE: { default: 'none', meaning: 'NATS credentials file (user JWT and seed)' },
  NATS_TLS_CA_FILE: {
    default: 'system CAs',
    meaning: "CA of the NATS server's certificate; any `NATS_TLS_*` requires TLS",
  },
  NATS_TLS_CERT_FILE: {
    default: 'none',
    meaning: 'client certificate for NATS mutual TLS, with `NATS_TLS_KEY_FILE`',
  },
  NATS_TLS_KEY_FILE: { default: 'none', meaning: 'private key of `NATS_TLS_CERT_FILE`' },
  AUDIT_SIGNING_KEY: {
    default: 'generated in `$DATA_DIR` (embedded)',
    meaning:
      "this service's Ed25519 seed (base64url, 32 bytes) signing its audit events; required by a distributed gateway, token and client-registry",
  },
  AUDIT_EVENT_PUBLIC_KEYS: {
    default: 'the generated keys (embedded)',
    meaning:
      'audit service: comma-separated `<service>=<public key>` it accepts events from; required by a distributed audit service',
  },
  AUDIT_MAX_DELIVERIES: {
    default: code(DEFAULT_SETTINGS.auditMaxDeliveries),
    meaning:
      'audit service: deliveries of an event that cannot be stored (not an outage) before it goes to the dead-letter subject',
  },
  DATA_DIR: {
    default: code(`./${DEFAULT_SETTINGS.dataDir}`),
    meaning: 'embedded-mode data and generated secrets',
  },
  KEY_ENCRYPTION_KEY: {
    default: 'generated in `$DATA_DIR` (embedded)',
    meaning:
      "seals private signing keys and upstream identity providers' client secrets at rest (32+ characters); required by a distributed token service, and by a client registry to store a provider secret",
  },
  PREVIOUS_KEY_ENCRYPTION_KEYS: {
    default: 'none',
    meaning:
      'only while replacing `KEY_ENCRYPTION_KEY`: old keys, comma-separated, still accepted for unsealing until `rotate-kek` has run',
  },
  COOKIE_SECRET: {
    default: 'generated in `$DATA_DIR` (embedded)',
    meaning:
      "HMAC keys of the gateway's cookies (32+ characters each), comma-separated to rotate (the first signs, all verify), the same on every replica; required by a distributed gateway",
  },
  ADMIN_CLIENT_ID: {
    default: 'generated in `$DATA_DIR/admin-client.json` (embedded); none (distributed)',
    meaning:
      'the bootstrap admin client (`client_credentials`, scope `admin`), set with `ADMIN_CLIENT_SECRET`',
  },
  ADMIN_CLIENT_SECRET: {
    default: 'generated in `$DATA_DIR/admin-client.json` (embedded); none (distributed)',
    meaning: "the bootstrap admin client's secret (16+ characters)",
  },
  LOG_LEVEL: {
    default: code(DEFAULT_SETTINGS.logLevel),
    meaning: LOG_LEVELS.map(code).join(', '),
  },
  LOG_HTTP_HEADERS: {
    default: code('false'),
    meaning:
      'request log lines also carry the request headers (credentials, cookies and query strings redacted)',
  },
  NATS_SUBJECT_PREFIX: {
    default: 'none',
    meaning:
      'prepended with a dot to every NATS subject (bus and audit events), to share a NATS server between installations (docs/nats.md)',
  },
  AUDIT_STREAM_NAME: {
    default: code(DEFAULT_AUDIT_STREAM.name),
    meaning:
      'the JetStream stream of audit events, created or updated by the audit service at start',
  },
  AUDIT_STREAM_REPLICAS: {
    default: code(DEFAULT_AUDIT_STREAM.replicas),
    meaning: 'copies of the audit stream in a NATS cluster: `1`, `3` or `5`',
  },
  AUDIT_STREAM_RETENTION: {
    default: code(DEFAULT_AUDIT_STREAM.retention),
    meaning:
      '`limits` (events leave the stream by age only) or `interest` (also once every consumer acknowledged them)',
  },
  AUDIT_STREAM_MAX_AGE_DAYS: {
    default: code(DEFAULT_AUDIT_STREAM.maxAgeDays),
    meaning: 'how long the audit stream keeps an event, in days',
  },
  BUS_TIMEOUT_MS: {
    default: code(DEFAULT_SETTINGS.busTimeoutMs),
    meaning: 'how long a service waits for another before answering 503',
  },
  DATABASE_QUERY_TIMEOUT_MS: {
    default: '4/5 of `BUS_TIMEOUT_MS`',
    meaning:
      'longest run of one database statement (server `statement_timeout` and client read timeout), below `BUS_TIMEOUT_MS`; a statement cut by it answers 503',
  },
  SHUTDOWN_TIMEOUT_MS: {
    default: code(DEFAULT_SETTINGS.shutdownTimeoutMs),
    meaning: 'grace period for draining HTTP and NATS on SIGTERM',
  },
  BRAND_NAME: {
    default: code(DEFAULT_BRAND.name),
    meaning: 'product name on the login, consent and error pages',
  },
  BRAND_COLOR: {
    default: code(DEFAULT_BRAND.color),
    meaning: 'accent colour of the pages (`#rgb` or `#rrggbb`)',
  },
  BRAND_LOGO_URL: {
    default: 'none',
    meaning:
      "logo on the pages: a path on this server, an https URL of the issuer's origin, or a `data:image/...;base64` URL",
  },
  KEY_ROTATION_INTERVAL_HOURS: {
    default: code(DEFAULT_KEY_ROTATION.intervalHours),
    meaning: 'scheduled rotation of the signing keys, in hours; `0` turns it off',
  },
  KEY_PUBLISH_AHEAD_SECONDS: {
    default: code(DEFAULT_KEY_ROTATION.publishAheadSeconds),
    meaning: 'how long a new signing key is in the JWKS before it signs anything',
  },
  REFRESH_TOKEN_REUSE_WINDOW_SECONDS: {
    default: code(DEFAULT_SETTINGS.refreshTokenReuseWindowSeconds),
    meaning:
      'seconds after a refresh during which a retry with the same refresh token gets the same new one instead of revoking the grant; `0` turns it off',
  },
  TRUSTED_PROXIES: {
    default: 'none',
    meaning:
      'reverse proxies whose `X-Forwarded-For` is believed: addresses, CIDR ranges or `loopback`, `linklocal`, `uniquelocal`',
  },
  OUTBOUND_ALLOW_PRIVATE: {
    default: code('false'),
    meaning:
      'let the server call non-public addresses (jwks_uri, back-channel logout), plain http included',
  },
  OUTBOUND_ALLOWED_CIDRS: {
    default: 'none',
    meaning: 'non-public ranges the server may call, e.g. `127.0.0.0/8` for a local relying party',
  },
  AUDIT_CHECKPOINT_KEY: {
    default:
      'generated in `$DATA_DIR/audit-checkpoint-key.json` (embedded); none (distributed: no checkpoints)',
    meaning:
      "the audit service's Ed25519 private key (a JWK) that signs checkpoints of the chain head; its public half is at `/admin/audit/keys`",
  },
  AUDIT_CHECKPOINT_PREVIOUS_KEYS: {
    default: 'none',
    meaning:
      'public JWKs (JSON array or JWKS) of replaced checkpoint keys, still published so older checkpoints verify',
  },
  AUDIT_CHECKPOINT_INTERVAL_SECONDS: {
    default: code(DEFAULT_AUDIT_SETTINGS.checkpointIntervalSeconds),
    meaning:
      'how often the audit service signs a checkpoint of a chain head that moved; `0` turns it off',
  },
  AUDIT_STREAM_MAX_CONNECTIONS: {
    default: code(DEFAULT_AUDIT_SETTINGS.streamMaxConnections),
    meaning: 'live audit tails (`/admin/audit/stream`) one gateway serves at once; more get 429',
  },
  AUDIT_STREAM_HEARTBEAT_SECONDS: {
    default: code(DEFAULT_AUDIT_SETTINGS.streamHeartbeatSeconds),
    meaning: 'seconds between heartbeat comments on a quiet live tail',
  },
  OTEL_EXPORTER_OTLP_ENDPOINT: {
    default: 'unset: tracing off',
    meaning:
      'OpenTelemetry tracing: OTLP/HTTP collector base URL (`/v1/traces` appended); setting it turns tracing on (docs/operations.md, Tracing)',
  },
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: {
    default: 'from `OTEL_EXPORTER_OTLP_ENDPOINT`',
    meaning: 'the full OTLP/HTTP URL for spans; setting it also turns tracing on',
  },
  OTEL_EXPORTER_OTLP_PROTOCOL: {
    default: code('http/protobuf'),
    meaning: 'OTLP encoding of spans: `http/protobuf` or `http/json`',
  },
  OTEL_SDK_DISABLED: {
    default: code('false'),
    meaning: '`true` keeps tracing off even with an endpoint set',
  },
};

export const CONFIG_TABLE_BEGIN = '<!-- config:begin -->';
export const CONFIG_TABLE_END = '<!-- config:end -->';

/**
 * The configuration table as prettier prints a markdown table: every column padded to its
 * widest cell, so `prettier --check` accepts the generated README unchanged.
 */
export function renderConfigTable(
  docs: Record<string, EnvVariableDoc> = PLATFORM_ENV_DOCS,
): string {
  const rows = [
    ['variable', 'default', 'meaning'],
    ...Object.entries(docs).map(([name, doc]) => [code(name), doc.default, doc.meaning]),
  ];
  for (const cell of rows.flat()) {
    if (/[|\n]/.test(cell)) throw new Error(`a table cell cannot hold "|" or a newline: ${cell}`);
  }
  const widths = rows[0].map((_, i) => Math.max(3, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [line(rows[0]), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join(
    '\n',
  );
}

/** The documents that carry the generated table: the README, and the operations guide. */
export const CONFIG_TABLE_DOCUMENTS = ['README.md', 'docs/operations.md'];

/** A document with the table between the config markers replaced by the generated one. */
export function withConfigTable(readme: string, table = renderConfigTable()): string {
  const begin = readme.indexOf(CONFIG_TABLE_BEGIN);
  const end = readme.indexOf(CONFIG_TABLE_END);
  if (begin < 0 || end < begin) {
    throw new Error(`the document needs ${CONFIG_TABLE_BEGIN} ... ${CONFIG_TABLE_END} markers`);
  }
  return `${readme.slice(0, begin + CONFIG_TABLE_BEGIN.length)}\n\n${table}\n\n${readme.slice(end)}`;
}
