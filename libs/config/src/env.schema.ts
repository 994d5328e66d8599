import { isValidCidr } from '@latchkey/oauth';
import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  Validate,
  ValidateBy,
  ValidateIf,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { isTrustedProxyEntry, parseTrustedProxies, TRUSTED_PROXY_PRESETS } from './trusted-proxies';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** OTLP encodings the trace exporter speaks (OTLP/HTTP; gRPC is not shipped). */
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;

/** An OTLP/HTTP endpoint: http(s), no credentials in the URL (OTEL_EXPORTER_OTLP_HEADERS has them). */
const OTLP_URL = /^https?:\/\/[^\s/@?#]+(\/[^\s?#]*)?$/;

/** A secret being rotated is listed with its successors; more than this is a mistake. */
const MAX_SECRETS_IN_LIST = 8;

/** The entries of a comma-separated list of secrets (blanks around commas ignored). */
export function splitSecretList(value: string): string[] {
  return value
    .split(',')
    .map((secret) => secret.trim())
    .filter((secret) => secret !== '');
}

/** A comma-separated list of 1 to MAX_SECRETS_IN_LIST secrets, each within the given lengths. */
function IsSecretList(variable: string, what: string, minLength: number, maxLength = Infinity) {
  return ValidateBy(
    {
      name: 'isSecretList',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          const secrets = splitSecretList(value);
          return (
            secrets.length > 0 &&
            secrets.length <= MAX_SECRETS_IN_LIST &&
            secrets.every((secret) => secret.length >= minLength && secret.length <= maxLength)
          );
        },
      },
    },
    {
      message: `${variable} must be 1 to ${MAX_SECRETS_IN_LIST} comma-separated ${what} each`,
    },
  );
}

/** Empty strings in the environment mean "unset", as in most deployment tools. */
const emptyToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/** A comma-separated list of CIDRs (`127.0.0.0/8,fd00::/8`), each a network address. */
@ValidatorConstraint({ name: 'cidrList' })
class CidrList implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && value.split(',').every((cidr) => isValidCidr(cidr.trim()));
  }
}

/**
 * The environment every service understands. Variable names are the external contract
 * (docs/architecture.md §4); a bad value stops the process at boot with a message naming the variable.
 */
export class PlatformEnv {
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsInt({ message: 'PORT must be an integer between 1 and 65535' })
  @Min(1, { message: 'PORT must be an integer between 1 and 65535' })
  @Max(65535, { message: 'PORT must be an integer between 1 and 65535' })
  PORT?: number;

  /**
   * Port of the gateway's admin plane (admin API, OpenAPI, `/metrics`). When set, those paths are
   * served there only, so the public port carries just the protocol endpoints and pages.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsInt({ message: 'ADMIN_PORT must be an integer between 1 and 65535' })
  @Min(1, { message: 'ADMIN_PORT must be an integer between 1 and 65535' })
  @Max(65535, { message: 'ADMIN_PORT must be an integer between 1 and 65535' })
  ADMIN_PORT?: number;

  /**
   * Port of the HTTP server of the internal services (health, metrics); the token service also
   * answers its OAuth endpoints there.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsInt({ message: 'HEALTH_PORT must be an integer between 0 and 65535' })
  @Min(0, { message: 'HEALTH_PORT must be an integer between 0 and 65535' })
  @Max(65535, { message: 'HEALTH_PORT must be an integer between 0 and 65535' })
  HEALTH_PORT?: number;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/, {
    message: 'ISSUER must be an http(s) URL without query or fragment',
  })
  ISSUER?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^(nats|tls|wss?):\/\/[^\s,]+(,(nats|tls|wss?):\/\/[^\s,]+)*$/, {
    message: 'NATS_URL must be one or more nats:// URLs separated by commas',
  })
  NATS_URL?: string;

  /**
   * NATS authentication (docs/audit-consumers.md): a user and password, an NKey seed, or a
   * credentials file (JWT and seed), one of them; the server's permissions then decide what
   * this service may publish and subscribe to.
   */
  @Transform(emptyToUndefined)
  @ValidateIf((env: PlatformEnv) => env.NATS_USER !== undefined || env.NATS_PASSWORD !== undefined)
  @Matches(/^[\x21-\x7e]{1,128}$/, {
    message: 'NATS_USER must be 1-128 printable characters, set together with NATS_PASSWORD',
  })
  NATS_USER?: string;

  @Transform(emptyToUndefined)
  @ValidateIf((env: PlatformEnv) => env.NATS_USER !== undefined || env.NATS_PASSWORD !== undefined)
  @IsString({ message: 'NATS_PASSWORD must be set together with NATS_USER' })
  @MinLength(1, { message: 'NATS_PASSWORD must be set together with NATS_USER' })
  @MaxLength(512, { message: 'NATS_PASSWORD must be at most 512 characters' })
  NATS_PASSWORD?: string;

  /** A user NKey seed (`SU...`), the private half of a public key the server lists. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^SU[A-Z2-7]{56}$/, { message: 'NATS_NKEY_SEED must be a user NKey seed (SU...)' })
  NATS_NKEY_SEED?: string;

  /** A `.creds` file (user JWT and NKey seed) of an operator/account setup. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(1)
  NATS_CREDS_FILE?: string;

  /** CA bundle that signed the NATS server's certificate; setting any NATS_TLS_* requires TLS. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(1)
  NATS_TLS_CA_FILE?: string;

  /** Client certificate for NATS mutual TLS, with NATS_TLS_KEY_FILE. */
  @Transform(emptyToUndefined)
  @ValidateIf(
    (env: PlatformEnv) =>
      env.NATS_TLS_CERT_FILE !== undefined || env.NATS_TLS_KEY_FILE !== undefined,
  )
  @IsString({ message: 'NATS_TLS_CERT_FILE must be set together with NATS_TLS_KEY_FILE' })
  @MinLength(1, { message: 'NATS_TLS_CERT_FILE must be set together with NATS_TLS_KEY_FILE' })
  NATS_TLS_CERT_FILE?: string;

  @Transform(emptyToUndefined)
  @ValidateIf(
    (env: PlatformEnv) =>
      env.NATS_TLS_CERT_FILE !== undefined || env.NATS_TLS_KEY_FILE !== undefined,
  )
  @IsString({ message: 'NATS_TLS_KEY_FILE must be set together with NATS_TLS_CERT_FILE' })
  @MinLength(1, { message: 'NATS_TLS_KEY_FILE must be set together with NATS_TLS_CERT_FILE' })
  NATS_TLS_KEY_FILE?: string;

  /**
   * This service's Ed25519 key for signing its audit events: the 32-byte seed, base64url.
   * Generated per service into DATA_DIR in embedded mode.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{43}$/, {
    message: 'AUDIT_SIGNING_KEY must be a 32-byte Ed25519 seed, base64url (43 characters)',
  })
  AUDIT_SIGNING_KEY?: string;

  /**
   * The audit service: the public keys it accepts events from, as comma-separated
   * `<service>=<base64url public key>` (several per service while one is being replaced).
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(
    /^[a-z][a-z0-9-]{0,39}=[A-Za-z0-9_-]{43}(\s*,\s*[a-z][a-z0-9-]{0,39}=[A-Za-z0-9_-]{43})*$/,
    {
      message:
        'AUDIT_EVENT_PUBLIC_KEYS must be comma-separated <service>=<base64url Ed25519 public key> entries',
    },
  )
  AUDIT_EVENT_PUBLIC_KEYS?: string;

  /**
   * The audit service: deliveries of an event that fails to be stored (not for an outage) before
   * it goes to the dead-letter subject.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsInt({ message: 'AUDIT_MAX_DELIVERIES must be an integer between 1 and 1000' })
  @Min(1, { message: 'AUDIT_MAX_DELIVERIES must be an integer between 1 and 1000' })
  @Max(1000, { message: 'AUDIT_MAX_DELIVERIES must be an integer between 1 and 1000' })
  AUDIT_MAX_DELIVERIES?: number;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(1)
  DATA_DIR?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL?: (typeof LOG_LEVELS)[number];

  /**
   * Log lines of HTTP requests carry the request headers too (credentials, cookies and the
   * query strings of a Referer redacted). Default false: method, route, status, duration, ids.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'LOG_HTTP_HEADERS must be true or false' })
  LOG_HTTP_HEADERS?: 'true' | 'false';

  /**
   * Prepended (with a dot) to every NATS subject this installation uses, bus requests, broadcast
   * events and audit events alike, so several installations can share one NATS server without
   * answering each other (docs/nats.md). Unset: the subjects of docs/architecture.md §1.1.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,3}$/, {
    message:
      'NATS_SUBJECT_PREFIX must be 1-4 dot-separated tokens of letters, digits, _ and - (no wildcards)',
  })
  NATS_SUBJECT_PREFIX?: string;

  /** Name of the JetStream stream of audit events (default AUDIT); one per installation. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, {
    message: 'AUDIT_STREAM_NAME must be 1-64 letters, digits, _ or -',
  })
  AUDIT_STREAM_NAME?: string;

  /** Copies of the audit stream in a NATS cluster (1, 3 or 5; default 1). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn([1, 3, 5], { message: 'AUDIT_STREAM_REPLICAS must be 1, 3 or 5' })
  AUDIT_STREAM_REPLICAS?: number;

  /**
   * What removes events from the audit stream: `limits` (only their age; every consumer may read
   * them, the default) or `interest` (also once every consumer has acknowledged them).
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['limits', 'interest'], { message: 'AUDIT_STREAM_RETENTION must be limits or interest' })
  AUDIT_STREAM_RETENTION?: 'limits' | 'interest';

  /** How long the audit stream keeps an event, in days (default 30; stored events stay in Postgres). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsInt({ message: 'AUDIT_STREAM_MAX_AGE_DAYS must be an integer between 1 and 3650' })
  @Min(1, { message: 'AUDIT_STREAM_MAX_AGE_DAYS must be an integer between 1 and 3650' })
  @Max(3650, { message: 'AUDIT_STREAM_MAX_AGE_DAYS must be an integer between 1 and 3650' })
  AUDIT_STREAM_MAX_AGE_DAYS?: number;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsInt({ message: 'BUS_TIMEOUT_MS must be an integer between 100 and 60000' })
  @Min(100, { message: 'BUS_TIMEOUT_MS must be an integer between 100 and 60000' })
  @Max(60000, { message: 'BUS_TIMEOUT_MS must be an integer between 100 and 60000' })
  BUS_TIMEOUT_MS?: number;

  /**
   * The longest one database statement may run (ms), for the server (`statement_timeout`) and
   * the client (a frozen server); below BUS_TIMEOUT_MS, so that a slow query ends in a 503 while
   * its caller still waits.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsInt({ message: 'DATABASE_QUERY_TIMEOUT_MS must be an integer between 100 and 60000' })
  @Min(100, { message: 'DATABASE_QUERY_TIMEOUT_MS must be an integer between 100 and 60000' })
  @Max(60000, { message: 'DATABASE_QUERY_TIMEOUT_MS must be an integer between 100 and 60000' })
  DATABASE_QUERY_TIMEOUT_MS?: number;

  @Transform(emptyToUndefined)
  @ValidateIf(
    (env: PlatformEnv) =>
      env.ADMIN_CLIENT_SECRET !== undefined || env.ADMIN_CLIENT_ID !== undefined,
  )
  @Matches(/^[\x21-\x7e]{1,128}$/, {
    message:
      'ADMIN_CLIENT_ID must be 1-128 printable characters, set together with ADMIN_CLIENT_SECRET',
  })
  ADMIN_CLIENT_ID?: string;

  @Transform(emptyToUndefined)
  @ValidateIf(
    (env: PlatformEnv) =>
      env.ADMIN_CLIENT_SECRET !== undefined || env.ADMIN_CLIENT_ID !== undefined,
  )
  @IsString({ message: 'ADMIN_CLIENT_SECRET must be set together with ADMIN_CLIENT_ID' })
  @MinLength(16, { message: 'ADMIN_CLIENT_SECRET must be at least 16 characters' })
  @MaxLength(512, { message: 'ADMIN_CLIENT_SECRET must be at most 512 characters' })
  ADMIN_CLIENT_SECRET?: string;

  /** Seals private signing keys at rest (token service). Any string of 32+ random characters. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'KEY_ENCRYPTION_KEY must be at least 32 characters' })
  KEY_ENCRYPTION_KEY?: string;

  /**
   * While KEY_ENCRYPTION_KEY is being replaced: the keys it replaces, comma-separated. Signing keys
   * sealed with one of them still unseal; `main.js rotate-kek` re-seals them all with
   * KEY_ENCRYPTION_KEY, after which this is unset again.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsSecretList('PREVIOUS_KEY_ENCRYPTION_KEYS', 'keys of at least 32 characters', 32)
  PREVIOUS_KEY_ENCRYPTION_KEYS?: string;

  /**
   * Signs the gateway's cookies (SSO session, interaction binding) with HMAC-SHA256. Every gateway
   * replica needs the same value; generated into DATA_DIR in embedded mode. A comma-separated list
   * rotates it without logging anyone out: the first secret signs, every one verifies.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsSecretList('COOKIE_SECRET', 'secrets of 32 to 512 characters', 32, 512)
  COOKIE_SECRET?: string;

  /** Product name on the login, consent and error pages. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^\P{Cc}{1,64}$/u, {
    message: 'BRAND_NAME must be 1-64 characters without control characters',
  })
  BRAND_NAME?: string;

  /** Accent colour of the pages (buttons); the text on it is chosen for a 4.5:1 contrast. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, {
    message: 'BRAND_COLOR must be a hex colour such as #1a56db',
  })
  BRAND_COLOR?: string;

  /**
   * Logo on the pages: a path on this server (`/static/logo.svg`), an https URL of the issuer's
   * own origin, or a `data:image/...` URL. The pages' CSP allows images from nowhere else.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(
    /^(\/(?![/\\])[\x21-\x7e]*|https?:\/\/[\x21-\x7e]+|data:image\/(png|gif|jpeg|webp|svg\+xml);base64,[A-Za-z0-9+/]+=*)$/,
    {
      message:
        'BRAND_LOGO_URL must be a same-origin path or URL, or a data:image/(png|gif|jpeg|webp|svg+xml);base64 URL',
    },
  )
  @MaxLength(100_000, { message: 'BRAND_LOGO_URL must be at most 100000 characters' })
  BRAND_LOGO_URL?: string;

  /**
   * How often the token service rotates its signing keys, in hours (default 720: 30 days).
   * 0 turns scheduled rotation off (on-demand rotation through the admin API still works).
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsInt({ message: 'KEY_ROTATION_INTERVAL_HOURS must be an integer between 0 and 87600' })
  @Min(0, { message: 'KEY_ROTATION_INTERVAL_HOURS must be an integer between 0 and 87600' })
  @Max(87600, { message: 'KEY_ROTATION_INTERVAL_HOURS must be an integer between 0 and 87600' })
  KEY_ROTATION_INTERVAL_HOURS?: number;

  /**
   * How long a new signing key is published in the JWKS before it signs anything, in seconds
   * (default 120): longer than any JWKS cache (the gateway serves max-age=60 and caches 30 s), so
   * that no verifier meets a token signed with a key it has not fetched yet.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsInt({ message: 'KEY_PUBLISH_AHEAD_SECONDS must be an integer between 0 and 86400' })
  @Min(0, { message: 'KEY_PUBLISH_AHEAD_SECONDS must be an integer between 0 and 86400' })
  @Max(86400, { message: 'KEY_PUBLISH_AHEAD_SECONDS must be an integer between 0 and 86400' })
  KEY_PUBLISH_AHEAD_SECONDS?: number;

  /**
   * How long after a refresh token's rotation a retry with the same token still gets the same
   * successor, in seconds (default 10): the answer to a refresh can be lost (client timeout, a
   * 503 after the bus timeout). 0: every second use is reuse and revokes the grant.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsInt({ message: 'REFRESH_TOKEN_REUSE_WINDOW_SECONDS must be an integer between 0 and 300' })
  @Min(0, { message: 'REFRESH_TOKEN_REUSE_WINDOW_SECONDS must be an integer between 0 and 300' })
  @Max(300, { message: 'REFRESH_TOKEN_REUSE_WINDOW_SECONDS must be an integer between 0 and 300' })
  REFRESH_TOKEN_REUSE_WINDOW_SECONDS?: number;

  /**
   * The reverse proxies (an Ingress controller, a load balancer) whose `X-Forwarded-For` and
   * `X-Forwarded-Proto` the gateway believes: comma-separated addresses, CIDR ranges or the
   * presets loopback, linklocal, uniquelocal. Unset: none, so a caller can never choose the
   * client address that login limits and audit events record.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @ValidateBy(
    {
      name: 'isTrustedProxyList',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          parseTrustedProxies(value).length > 0 &&
          parseTrustedProxies(value).every(isTrustedProxyEntry),
      },
    },
    {
      message: `TRUSTED_PROXIES must be comma-separated IP addresses, CIDR ranges or ${TRUSTED_PROXY_PRESETS.join(', ')}`,
    },
  )
  TRUSTED_PROXIES?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsInt({ message: 'SHUTDOWN_TIMEOUT_MS must be an integer between 0 and 120000' })
  @Min(0, { message: 'SHUTDOWN_TIMEOUT_MS must be an integer between 0 and 120000' })
  @Max(120000, { message: 'SHUTDOWN_TIMEOUT_MS must be an integer between 0 and 120000' })
  SHUTDOWN_TIMEOUT_MS?: number;

  /**
   * Lets the server call non-public addresses (loopback, private, link-local, CGNAT, ...) for a
   * client's jwks_uri or backchannel_logout_uri, plain http included: a development machine or a
   * trusted network only. Default false: public https targets only (docs/architecture.md §3).
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'OUTBOUND_ALLOW_PRIVATE must be true or false' })
  OUTBOUND_ALLOW_PRIVATE?: 'true' | 'false';

  /** Non-public ranges the server may call, one by one (e.g. `10.20.0.0/16,fd00:1::/64`). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Validate(CidrList, {
    message:
      'OUTBOUND_ALLOWED_CIDRS must be comma-separated CIDRs of network addresses, e.g. 127.0.0.0/8,fd00::/8',
  })
  OUTBOUND_ALLOWED_CIDRS?: string;

  /**
   * The audit service's Ed25519 private key for signed checkpoints of the chain head, as a JWK
   * (`{"kty":"OKP","crv":"Ed25519","d":"...","x":"..."}`); generated into DATA_DIR in embedded
   * mode. Without it a distributed audit service takes no checkpoints (docs/audit.md).
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @ValidateBy(
    { name: 'isEd25519PrivateJwk', validator: { validate: (v: unknown) => isEd25519Jwk(v, true) } },
    {
      message:
        'AUDIT_CHECKPOINT_KEY must be an Ed25519 private key as a JWK (kty OKP, crv Ed25519, d, x)',
    },
  )
  AUDIT_CHECKPOINT_KEY?: string;

  /**
   * Public keys (a JSON array of JWKs, or a JWKS) of checkpoint keys AUDIT_CHECKPOINT_KEY replaced:
   * still published, so checkpoints they signed keep verifying.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @ValidateBy(
    {
      name: 'isEd25519PublicJwkList',
      validator: { validate: (v: unknown) => readJwkList(v) !== undefined },
    },
    {
      message:
        'AUDIT_CHECKPOINT_PREVIOUS_KEYS must be a JSON array (or JWKS) of Ed25519 public JWKs',
    },
  )
  AUDIT_CHECKPOINT_PREVIOUS_KEYS?: string;

  /** How often the audit service signs a checkpoint of a chain head that moved, in seconds; 0: never. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsInt({ message: 'AUDIT_CHECKPOINT_INTERVAL_SECONDS must be an integer between 0 and 86400' })
  @Min(0, { message: 'AUDIT_CHECKPOINT_INTERVAL_SECONDS must be an integer between 0 and 86400' })
  @Max(86400, {
    message: 'AUDIT_CHECKPOINT_INTERVAL_SECONDS must be an integer between 0 and 86400',
  })
  AUDIT_CHECKPOINT_INTERVAL_SECONDS?: number;

  /** Live tails (`GET /admin/audit/stream`) one gateway serves at once; more are refused. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsInt({ message: 'AUDIT_STREAM_MAX_CONNECTIONS must be an integer between 1 and 1000' })
  @Min(1, { message: 'AUDIT_STREAM_MAX_CONNECTIONS must be an integer between 1 and 1000' })
  @Max(1000, { message: 'AUDIT_STREAM_MAX_CONNECTIONS must be an integer between 1 and 1000' })
  AUDIT_STREAM_MAX_CONNECTIONS?: number;

  /** Seconds between heartbeats on a quiet live tail (keeps proxies from closing it). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsInt({ message: 'AUDIT_STREAM_HEARTBEAT_SECONDS must be an integer between 1 and 300' })
  @Min(1, { message: 'AUDIT_STREAM_HEARTBEAT_SECONDS must be an integer between 1 and 300' })
  @Max(300, { message: 'AUDIT_STREAM_HEARTBEAT_SECONDS must be an integer between 1 and 300' })
  AUDIT_STREAM_HEARTBEAT_SECONDS?: number;

  /**
   * OpenTelemetry: base URL of an OTLP/HTTP collector (`/v1/traces` is appended). Setting it (or
   * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) turns tracing on; unset, no tracing code is loaded.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(OTLP_URL, { message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL' })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  /** OpenTelemetry: the full URL traces are sent to; wins over OTEL_EXPORTER_OTLP_ENDPOINT. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(OTLP_URL, { message: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http(s) URL' })
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;

  /** OpenTelemetry: how spans are encoded on the wire (default http/protobuf). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(OTLP_PROTOCOLS, {
    message: `OTEL_EXPORTER_OTLP_PROTOCOL must be one of ${OTLP_PROTOCOLS.join(', ')}`,
  })
  OTEL_EXPORTER_OTLP_PROTOCOL?: (typeof OTLP_PROTOCOLS)[number];

  /** OpenTelemetry's switch: `true` keeps tracing off even with an endpoint configured. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'OTEL_SDK_DISABLED must be true or false' })
  OTEL_SDK_DISABLED?: 'true' | 'false';
}

const BASE64URL_32_BYTES = /^[A-Za-z0-9_-]{43}$/;

/** An Ed25519 JWK (RFC 8037) given as JSON text or an object; `withPrivate` requires `d`. */
export function isEd25519Jwk(value: unknown, withPrivate: boolean): boolean {
  let jwk: unknown = value;
  if (typeof value === 'string') {
    try {
      jwk = JSON.parse(value);
    } catch {
      return false;
    }
  }
  const key = jwk as Record<string, unknown> | null;
  return (
    typeof key === 'object' &&
    key !== null &&
    key.kty === 'OKP' &&
    key.crv === 'Ed25519' &&
    typeof key.x === 'string' &&
    BASE64URL_32_BYTES.test(key.x) &&
    (withPrivate
      ? typeof key.d === 'string' && BASE64URL_32_BYTES.test(key.d)
      : key.d === undefined)
  );
}

/** A JSON array of Ed25519 public JWKs, or a JWKS; undefined when it is not one. */
export function readJwkList(value: unknown): Record<string, string>[] | undefined {
  if (typeof value !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list) || list.length > 16) return undefined;
  return list.every((key) => isEd25519Jwk(key, false))
    ? (list as Record<string, string>[])
    : undefined;
}
