import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { OutboundPolicy } from '@latchkey/oauth';
import * as path from 'node:path';
import { PlatformEnv, readJwkList, splitSecretList } from './env.schema';
import { parseTrustedProxies } from './trusted-proxies';

export type Backend = 'database' | 'redis' | 'nats';
export type RequiredSetting =
  Backend | 'keyEncryptionKey' | 'cookieSecret' | 'auditSigningKey' | 'auditEventPublicKeys';

/** The validated, typed configuration every service reads; built once at boot. */
export interface PlatformConfig {
  /** `embedded`: the four services in one process (npm start); `distributed`: one per process. */
  mode: 'embedded' | 'distributed';
  port: number;
  healthPort: number;
  /** The gateway's admin plane port; unset: admin paths share the public port. */
  adminPort?: number;
  issuer: string;
  databaseUrl?: string;
  redisUrl?: string;
  natsUrl?: string;
  /** How this process proves itself to NATS (NATS_USER..., NATS_TLS_*); none when absent. */
  natsAuth?: NatsAuth;
  /**
   * Seeds of the Ed25519 keys that sign audit events, by service: AUDIT_SIGNING_KEY for the one
   * service of a distributed process (under `*`), one generated per service in embedded mode.
   */
  auditSigningKeys: Readonly<Record<string, string>>;
  /** The public keys the audit service accepts events from (AUDIT_EVENT_PUBLIC_KEYS). */
  auditEventPublicKeys: readonly AuditEventPublicKey[];
  /** Deliveries of an event that cannot be stored before it is dead-lettered (AUDIT_MAX_DELIVERIES). */
  auditMaxDeliveries: number;
  /** Embedded-mode data (PGlite files, generated admin client). */
  dataDir: string;
  logLevel: NonNullable<PlatformEnv['LOG_LEVEL']>;
  /** Request log lines carry the (redacted) request headers (LOG_HTTP_HEADERS). */
  logHttpHeaders: boolean;
  /** Prepended to every NATS subject of this installation (NATS_SUBJECT_PREFIX); none when unset. */
  natsSubjectPrefix?: string;
  /** The JetStream stream of audit events (AUDIT_STREAM_*), created or updated at start. */
  auditStream: AuditStreamConfig;
  /** Where log lines go instead of standard output (set in code, never from the environment). */
  logDestination?: LogDestination;
  busTimeoutMs: number;
  /**
   * Longest run of one database statement (DATABASE_QUERY_TIMEOUT_MS), always below the bus
   * timeout; by default {@link defaultDatabaseQueryTimeoutMs} of it.
   */
  databaseQueryTimeoutMs: number;
  shutdownTimeoutMs: number;
  adminClient?: { id: string; secret: string };
  keyEncryptionKey?: string;
  /** Keys KEY_ENCRYPTION_KEY replaces, still accepted for unsealing (PREVIOUS_KEY_ENCRYPTION_KEYS). */
  previousKeyEncryptionKeys: string[];
  /**
   * HMAC keys of the gateway's cookies (COOKIE_SECRET): the first signs, every one verifies;
   * generated in embedded mode.
   */
  cookieSecrets?: string[];
  /** Proxies whose X-Forwarded-* headers are believed (TRUSTED_PROXIES); empty: none. */
  trustedProxies: string[];
  /** How the login, consent and error pages look (BRAND_* variables). */
  brand?: BrandConfig;
  /** Signing-key rotation of the token service (KEY_ROTATION_INTERVAL_HOURS, KEY_PUBLISH_AHEAD_SECONDS). */
  keyRotation?: KeyRotationConfig;
  /**
   * Seconds after a rotation during which the same refresh token gets the same successor
   * (REFRESH_TOKEN_REUSE_WINDOW_SECONDS); 0: none.
   */
  refreshTokenReuseWindowSeconds: number;
  /**
   * What the server may call on a client's behalf (OUTBOUND_ALLOW_PRIVATE, OUTBOUND_ALLOWED_CIDRS);
   * public https targets only when absent.
   */
  outbound?: OutboundPolicy;
  /** Signed checkpoints and the live tail of the audit log (AUDIT_* variables). */
  audit?: AuditSettings;
  /** Where spans go (OTEL_EXPORTER_OTLP_*); tracing is off, and its SDK never loaded, when absent. */
  tracing?: TracingConfig;
}

export interface TracingConfig {
  /** The OTLP/HTTP URL spans are posted to. */
  tracesUrl: string;
  protocol: NonNullable<PlatformEnv['OTEL_EXPORTER_OTLP_PROTOCOL']>;
}

/** An Ed25519 JWK (RFC 8037) as configured. */
export type Ed25519Jwk = Record<string, string>;

export interface AuditSettings {
  /** Signs checkpoints (AUDIT_CHECKPOINT_KEY); generated in embedded mode. None: no checkpoints. */
  checkpointKey?: Ed25519Jwk;
  /** Public keys of replaced checkpoint keys, still published (AUDIT_CHECKPOINT_PREVIOUS_KEYS). */
  previousCheckpointKeys: Ed25519Jwk[];
  /** 0: never. */
  checkpointIntervalSeconds: number;
  streamMaxConnections: number;
  streamHeartbeatSeconds: number;
}

export const DEFAULT_AUDIT_SETTINGS = Object.freeze({
  checkpointIntervalSeconds: 300,
  streamMaxConnections: 16,
  streamHeartbeatSeconds: 15,
});
/** NATS credentials: at most one of user/password, NKey seed or credentials file; TLS files. */
export interface NatsAuth {
  user?: string;
  password?: string;
  nkeySeed?: string;
  credsFile?: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

export interface AuditEventPublicKey {
  service: string;
  /** Base64url raw Ed25519 public key (the JWK `x`). */
  publicKey: string;
}

/** The `auditSigningKeys` entry of a distributed process's own key (AUDIT_SIGNING_KEY). */
export const OWN_AUDIT_SIGNING_KEY = '*';

/** A sink for JSON log lines (structurally pino's `DestinationStream`). */
export interface LogDestination {
  write(line: string): unknown;
}

/** Defaults of the plain settings, also shown in the README's configuration table. */
export const DEFAULT_SETTINGS = Object.freeze({
  port: 8080,
  dataDir: '.data',
  logLevel: 'info' as const,
  busTimeoutMs: 5000,
  shutdownTimeoutMs: 10000,
  refreshTokenReuseWindowSeconds: 10,
  auditMaxDeliveries: 5,
});

/**
 * The database query timeout when DATABASE_QUERY_TIMEOUT_MS is unset: four fifths of the bus
 * timeout, so that a statement cut by it still leaves its caller time to answer 503.
 */
export function defaultDatabaseQueryTimeoutMs(busTimeoutMs: number): number {
  return Math.max(100, Math.floor((busTimeoutMs * 4) / 5));
}

export interface AuditStreamConfig {
  name: string;
  replicas: number;
  retention: 'limits' | 'interest';
  maxAgeDays: number;
}

export const DEFAULT_AUDIT_STREAM: Readonly<AuditStreamConfig> = Object.freeze({
  name: 'AUDIT',
  replicas: 1,
  retention: 'limits',
  maxAgeDays: 30,
});

export interface KeyRotationConfig {
  /** Scheduled rotation every this many hours; 0: never on schedule. */
  intervalHours: number;
  /** A new key is in the JWKS this long before it signs. */
  publishAheadSeconds: number;
}

export const DEFAULT_KEY_ROTATION: Readonly<KeyRotationConfig> = Object.freeze({
  intervalHours: 720,
  publishAheadSeconds: 120,
});

export interface BrandConfig {
  name: string;
  /** `#rrggbb` or `#rgb`. */
  color: string;
  /** Same-origin path or URL, or a data:image URL; checked against the issuer at load. */
  logoUrl?: string;
}

export const DEFAULT_BRAND: Readonly<BrandConfig> = Object.freeze({
  name: 'Latchkey',
  color: '#1a56db',
});

export interface LoadConfigOptions {
  /** Backends this process cannot run without (distributed services have no embedded fallback). */
  require?: RequiredSetting[];
  /** Health port when HEALTH_PORT is unset (one per internal service, so all fit on one host). */
  defaultHealthPort?: number;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const ENV_OF_SETTING: Record<RequiredSetting, keyof PlatformEnv> = {
  database: 'DATABASE_URL',
  redis: 'REDIS_URL',
  nats: 'NATS_URL',
  keyEncryptionKey: 'KEY_ENCRYPTION_KEY',
  cookieSecret: 'COOKIE_SECRET',
  auditSigningKey: 'AUDIT_SIGNING_KEY',
  auditEventPublicKeys: 'AUDIT_EVENT_PUBLIC_KEYS',
};

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  options: LoadConfigOptions = {},
): PlatformConfig {
  const known = Object.keys(new PlatformEnvKeys());
  const raw: Record<string, string | undefined> = {};
  for (const key of known) raw[key] = env[key];

  const parsed = plainToInstance(PlatformEnv, raw, { enableImplicitConversion: false });
  coerceIntegers(parsed, raw);
  const errors = validateSync(parsed, { forbidUnknownValues: false });
  const problems = errors.flatMap((e) =>
    Object.values(e.constraints ?? {}).map(
      (msg) => `${msg} (got ${describe(e.property, raw[e.property])})`,
    ),
  );
  for (const setting of options.require ?? []) {
    const name = ENV_OF_SETTING[setting];
    if (!parsed[name]) problems.push(`${name} is required for this service (no embedded fallback)`);
  }
  const port = parsed.PORT ?? DEFAULT_SETTINGS.port;
  const issuer = (parsed.ISSUER ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const authMethods = [parsed.NATS_USER, parsed.NATS_NKEY_SEED, parsed.NATS_CREDS_FILE];
  if (authMethods.filter((method) => method !== undefined).length > 1) {
    problems.push('NATS_USER, NATS_NKEY_SEED and NATS_CREDS_FILE are alternatives: set one');
  }
  const logoProblem = brandLogoProblem(parsed.BRAND_LOGO_URL, issuer);
  if (logoProblem) problems.push(logoProblem);
  const busTimeoutMs = parsed.BUS_TIMEOUT_MS ?? DEFAULT_SETTINGS.busTimeoutMs;
  if (
    parsed.DATABASE_QUERY_TIMEOUT_MS !== undefined &&
    parsed.DATABASE_QUERY_TIMEOUT_MS >= busTimeoutMs
  ) {
    problems.push(
      `DATABASE_QUERY_TIMEOUT_MS must be below BUS_TIMEOUT_MS (${busTimeoutMs}): a query that outlasts its caller cannot answer`,
    );
  }
  if (parsed.ADMIN_PORT !== undefined && parsed.ADMIN_PORT === port) {
    problems.push('ADMIN_PORT must differ from PORT (the admin plane is a separate listener)');
  }
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);

  return {
    mode: 'distributed',
    port,
    healthPort: parsed.HEALTH_PORT ?? options.defaultHealthPort ?? 0,
    adminPort: parsed.ADMIN_PORT,
    issuer,
    databaseUrl: parsed.DATABASE_URL,
    redisUrl: parsed.REDIS_URL,
    natsUrl: parsed.NATS_URL,
    natsAuth: natsAuthOf(parsed),
    auditSigningKeys: parsed.AUDIT_SIGNING_KEY
      ? { [OWN_AUDIT_SIGNING_KEY]: parsed.AUDIT_SIGNING_KEY }
      : {},
    auditEventPublicKeys: splitSecretList(parsed.AUDIT_EVENT_PUBLIC_KEYS ?? '').map((entry) => {
      const [service, publicKey] = entry.split('=');
      return { service: service.trim(), publicKey: publicKey.trim() };
    }),
    auditMaxDeliveries: parsed.AUDIT_MAX_DELIVERIES ?? DEFAULT_SETTINGS.auditMaxDeliveries,
    dataDir: path.resolve(parsed.DATA_DIR ?? DEFAULT_SETTINGS.dataDir),
    logLevel: parsed.LOG_LEVEL ?? DEFAULT_SETTINGS.logLevel,
    logHttpHeaders: parsed.LOG_HTTP_HEADERS === 'true',
    natsSubjectPrefix: parsed.NATS_SUBJECT_PREFIX,
    auditStream: {
      name: parsed.AUDIT_STREAM_NAME ?? DEFAULT_AUDIT_STREAM.name,
      replicas: parsed.AUDIT_STREAM_REPLICAS ?? DEFAULT_AUDIT_STREAM.replicas,
      retention: parsed.AUDIT_STREAM_RETENTION ?? DEFAULT_AUDIT_STREAM.retention,
      maxAgeDays: parsed.AUDIT_STREAM_MAX_AGE_DAYS ?? DEFAULT_AUDIT_STREAM.maxAgeDays,
    },
    busTimeoutMs,
    databaseQueryTimeoutMs:
      parsed.DATABASE_QUERY_TIMEOUT_MS ?? defaultDatabaseQueryTimeoutMs(busTimeoutMs),
    shutdownTimeoutMs: parsed.SHUTDOWN_TIMEOUT_MS ?? DEFAULT_SETTINGS.shutdownTimeoutMs,
    adminClient:
      parsed.ADMIN_CLIENT_ID && parsed.ADMIN_CLIENT_SECRET
        ? { id: parsed.ADMIN_CLIENT_ID, secret: parsed.ADMIN_CLIENT_SECRET }
        : undefined,
    keyEncryptionKey: parsed.KEY_ENCRYPTION_KEY,
    previousKeyEncryptionKeys: splitSecretList(parsed.PREVIOUS_KEY_ENCRYPTION_KEYS ?? ''),
    cookieSecrets: parsed.COOKIE_SECRET ? splitSecretList(parsed.COOKIE_SECRET) : undefined,
    trustedProxies: parseTrustedProxies(parsed.TRUSTED_PROXIES),
    brand: {
      name: parsed.BRAND_NAME ?? DEFAULT_BRAND.name,
      color: parsed.BRAND_COLOR ?? DEFAULT_BRAND.color,
      ...(parsed.BRAND_LOGO_URL ? { logoUrl: parsed.BRAND_LOGO_URL } : {}),
    },
    keyRotation: {
      intervalHours: parsed.KEY_ROTATION_INTERVAL_HOURS ?? DEFAULT_KEY_ROTATION.intervalHours,
      publishAheadSeconds:
        parsed.KEY_PUBLISH_AHEAD_SECONDS ?? DEFAULT_KEY_ROTATION.publishAheadSeconds,
    },
    refreshTokenReuseWindowSeconds:
      parsed.REFRESH_TOKEN_REUSE_WINDOW_SECONDS ?? DEFAULT_SETTINGS.refreshTokenReuseWindowSeconds,
    audit: {
      checkpointKey: parsed.AUDIT_CHECKPOINT_KEY
        ? (JSON.parse(parsed.AUDIT_CHECKPOINT_KEY) as Ed25519Jwk)
        : undefined,
      previousCheckpointKeys: readJwkList(parsed.AUDIT_CHECKPOINT_PREVIOUS_KEYS) ?? [],
      checkpointIntervalSeconds:
        parsed.AUDIT_CHECKPOINT_INTERVAL_SECONDS ??
        DEFAULT_AUDIT_SETTINGS.checkpointIntervalSeconds,
      streamMaxConnections:
        parsed.AUDIT_STREAM_MAX_CONNECTIONS ?? DEFAULT_AUDIT_SETTINGS.streamMaxConnections,
      streamHeartbeatSeconds:
        parsed.AUDIT_STREAM_HEARTBEAT_SECONDS ?? DEFAULT_AUDIT_SETTINGS.streamHeartbeatSeconds,
    },
    tracing: tracingOf(parsed),
    outbound: {
      allowPrivate: parsed.OUTBOUND_ALLOW_PRIVATE === 'true',
      allowedCidrs: (parsed.OUTBOUND_ALLOWED_CIDRS ?? '')
        .split(',')
        .map((cidr) => cidr.trim())
        .filter((cidr) => cidr !== ''),
    },
  };
}

/**
 * Tracing is on when an OTLP endpoint is configured, as the OpenTelemetry SDKs read it: the traces
 * endpoint as given, or the base endpoint with the signal's path; OTEL_SDK_DISABLED=true wins.
 */
function tracingOf(parsed: PlatformEnv): TracingConfig | undefined {
  if (parsed.OTEL_SDK_DISABLED === 'true') return undefined;
  const base = parsed.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesUrl =
    parsed.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/traces`);
  if (tracesUrl === undefined) return undefined;
  return { tracesUrl, protocol: parsed.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf' };
}

function natsAuthOf(parsed: PlatformEnv): NatsAuth | undefined {
  const tls =
    parsed.NATS_TLS_CA_FILE || parsed.NATS_TLS_CERT_FILE
      ? {
          caFile: parsed.NATS_TLS_CA_FILE,
          certFile: parsed.NATS_TLS_CERT_FILE,
          keyFile: parsed.NATS_TLS_KEY_FILE,
        }
      : undefined;
  const auth: NatsAuth = {
    user: parsed.NATS_USER,
    password: parsed.NATS_PASSWORD,
    nkeySeed: parsed.NATS_NKEY_SEED,
    credsFile: parsed.NATS_CREDS_FILE,
    tls,
  };
  return Object.values(auth).some((value) => value !== undefined) ? auth : undefined;
}

/**
 * An absolute logo URL must be of the issuer's own origin: the pages' CSP (`img-src 'self'
 * data:`) would block any other, and a third-party image would tell that site who signs in.
 */
function brandLogoProblem(logoUrl: string | undefined, issuer: string): string | undefined {
  if (!logoUrl || !/^https?:/i.test(logoUrl)) return undefined;
  try {
    if (new URL(logoUrl).origin === new URL(issuer).origin) return undefined;
  } catch {
    // Unparseable: reported below like another origin.
  }
  return `BRAND_LOGO_URL must be on the issuer's origin (${new URL(issuer).origin}) when it is an absolute URL`;
}

/** Every variable PlatformEnv knows, so only those are read from the environment. */
class PlatformEnvKeys implements Record<keyof PlatformEnv, undefined> {
  PORT = undefined;
  HEALTH_PORT = undefined;
  ADMIN_PORT = undefined;
  ISSUER = undefined;
  DATABASE_URL = undefined;
  REDIS_URL = undefined;
  NATS_URL = undefined;
  DATA_DIR = undefined;
  LOG_LEVEL = undefined;
  BUS_TIMEOUT_MS = undefined;
  DATABASE_QUERY_TIMEOUT_MS = undefined;
  ADMIN_CLIENT_ID = undefined;
  ADMIN_CLIENT_SECRET = undefined;
  SHUTDOWN_TIMEOUT_MS = undefined;
  KEY_ENCRYPTION_KEY = undefined;
  COOKIE_SECRET = undefined;
  BRAND_NAME = undefined;
  BRAND_COLOR = undefined;
  BRAND_LOGO_URL = undefined;
  KEY_ROTATION_INTERVAL_HOURS = undefined;
  KEY_PUBLISH_AHEAD_SECONDS = undefined;
  OUTBOUND_ALLOW_PRIVATE = undefined;
  OUTBOUND_ALLOWED_CIDRS = undefined;
  TRUSTED_PROXIES = undefined;
  PREVIOUS_KEY_ENCRYPTION_KEYS = undefined;
  REFRESH_TOKEN_REUSE_WINDOW_SECONDS = undefined;
  AUDIT_CHECKPOINT_KEY = undefined;
  AUDIT_CHECKPOINT_PREVIOUS_KEYS = undefined;
  AUDIT_CHECKPOINT_INTERVAL_SECONDS = undefined;
  AUDIT_STREAM_MAX_CONNECTIONS = undefined;
  AUDIT_STREAM_HEARTBEAT_SECONDS = undefined;
  LOG_HTTP_HEADERS = undefined;
  NATS_SUBJECT_PREFIX = undefined;
  AUDIT_STREAM_NAME = undefined;
  AUDIT_STREAM_REPLICAS = undefined;
  AUDIT_STREAM_RETENTION = undefined;
  AUDIT_STREAM_MAX_AGE_DAYS = undefined;
  NATS_USER = undefined;
  NATS_PASSWORD = undefined;
  NATS_NKEY_SEED = undefined;
  NATS_CREDS_FILE = undefined;
  NATS_TLS_CA_FILE = undefined;
  NATS_TLS_CERT_FILE = undefined;
  NATS_TLS_KEY_FILE = undefined;
  AUDIT_SIGNING_KEY = undefined;
  AUDIT_EVENT_PUBLIC_KEYS = undefined;
  AUDIT_MAX_DELIVERIES = undefined;
  OTEL_EXPORTER_OTLP_ENDPOINT = undefined;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = undefined;
  OTEL_EXPORTER_OTLP_PROTOCOL = undefined;
  OTEL_SDK_DISABLED = undefined;
}

const INTEGER_KEYS = [
  'PORT',
  'HEALTH_PORT',
  'ADMIN_PORT',
  'BUS_TIMEOUT_MS',
  'DATABASE_QUERY_TIMEOUT_MS',
  'SHUTDOWN_TIMEOUT_MS',
  'KEY_ROTATION_INTERVAL_HOURS',
  'KEY_PUBLISH_AHEAD_SECONDS',
  'REFRESH_TOKEN_REUSE_WINDOW_SECONDS',
  'AUDIT_CHECKPOINT_INTERVAL_SECONDS',
  'AUDIT_STREAM_MAX_CONNECTIONS',
  'AUDIT_STREAM_HEARTBEAT_SECONDS',
  'AUDIT_STREAM_REPLICAS',
  'AUDIT_STREAM_MAX_AGE_DAYS',
  'AUDIT_MAX_DELIVERIES',
] as const;

/** Strict integer parsing: "80abc" or "1e3" stay strings and fail validation with a clear message. */
function coerceIntegers(parsed: PlatformEnv, raw: Record<string, string | undefined>): void {
  for (const key of INTEGER_KEYS) {
    const value = raw[key]?.trim();
    if (value === undefined || value === '') continue;
    (parsed as unknown as Record<string, unknown>)[key] = /^\d{1,9}$/.test(value)
      ? Number(value)
      : value;
  }
}

/** What a bad value looked like, without ever echoing a secret or a URL's password. */
function describe(key: string, value: string | undefined): string {
  if (value === undefined || value.trim() === '') return 'nothing';
  if (/(_SECRET|_KEYS?|_PASSWORD|_SEED)$/.test(key)) return `a value of ${value.length} characters`;
  const safe = value.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  return JSON.stringify(safe.length > 60 ? `${safe.slice(0, 57)}...` : safe);
}
