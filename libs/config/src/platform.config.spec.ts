import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { embeddedConfig } from './embedded-secrets';
import { ConfigError, DEFAULT_BRAND, loadConfig } from './platform.config';

describe('loadConfig', () => {
  it('reads the NATS isolation, audit stream and request-log settings', () => {
    expect(loadConfig({})).toMatchObject({
      logHttpHeaders: false,
      natsSubjectPrefix: undefined,
      auditStream: { name: 'AUDIT', replicas: 1, retention: 'limits', maxAgeDays: 30 },
    });
    expect(
      loadConfig({
        LOG_HTTP_HEADERS: 'true',
        NATS_SUBJECT_PREFIX: 'acme.prod',
        AUDIT_STREAM_NAME: 'AUDIT_ACME',
        AUDIT_STREAM_REPLICAS: '3',
        AUDIT_STREAM_RETENTION: 'interest',
        AUDIT_STREAM_MAX_AGE_DAYS: '90',
      }),
    ).toMatchObject({
      logHttpHeaders: true,
      natsSubjectPrefix: 'acme.prod',
      auditStream: { name: 'AUDIT_ACME', replicas: 3, retention: 'interest', maxAgeDays: 90 },
    });
  });

  it.each([
    ['NATS_SUBJECT_PREFIX', 'acme.>'],
    ['NATS_SUBJECT_PREFIX', 'acme.*'],
    ['NATS_SUBJECT_PREFIX', 'acme.'],
    ['NATS_SUBJECT_PREFIX', 'two words'],
    ['AUDIT_STREAM_NAME', 'AUDIT.ACME'],
    ['AUDIT_STREAM_REPLICAS', '2'],
    ['AUDIT_STREAM_RETENTION', 'workqueue'],
    ['AUDIT_STREAM_MAX_AGE_DAYS', '0'],
    ['LOG_HTTP_HEADERS', 'yes'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('applies the embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.issuer).toBe('http://localhost:8080');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.natsUrl).toBeUndefined();
    expect(config.logLevel).toBe('info');
    expect(config.busTimeoutMs).toBe(5000);
    expect(config.adminClient).toBeUndefined();
    expect(config.dataDir).toMatch(/\.data$/);
  });

  it('reads and types every variable', () => {
    const config = loadConfig({
      PORT: '9000',
      HEALTH_PORT: '9101',
      ISSUER: 'https://id.example.com/',
      DATABASE_URL: 'postgres://u:p@db:5432/latchkey',
      REDIS_URL: 'redis://cache:6379',
      NATS_URL: 'nats://a:4222,nats://b:4222',
      LOG_LEVEL: 'debug',
      BUS_TIMEOUT_MS: '2500',
      ADMIN_CLIENT_ID: 'admin',
      ADMIN_CLIENT_SECRET: 'a-very-long-admin-secret',
    });
    expect(config).toMatchObject({
      port: 9000,
      healthPort: 9101,
      issuer: 'https://id.example.com',
      databaseUrl: 'postgres://u:p@db:5432/latchkey',
      redisUrl: 'redis://cache:6379',
      natsUrl: 'nats://a:4222,nats://b:4222',
      logLevel: 'debug',
      busTimeoutMs: 2500,
      adminClient: { id: 'admin', secret: 'a-very-long-admin-secret' },
    });
  });

  it('keeps database statements inside the bus deadline', () => {
    expect(loadConfig({}).databaseQueryTimeoutMs).toBe(4000);
    expect(loadConfig({ BUS_TIMEOUT_MS: '2000' }).databaseQueryTimeoutMs).toBe(1600);
    expect(
      loadConfig({ BUS_TIMEOUT_MS: '2000', DATABASE_QUERY_TIMEOUT_MS: '1900' })
        .databaseQueryTimeoutMs,
    ).toBe(1900);
  });

  it('defaults the issuer to the configured port', () => {
    expect(loadConfig({ PORT: '9999' }).issuer).toBe('http://localhost:9999');
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: ' ' }).databaseUrl).toBeUndefined();
  });

  it.each([
    ['PORT', 'abc', /PORT must be an integer/],
    ['PORT', '70000', /PORT must be an integer/],
    ['PORT', '80abc', /PORT must be an integer/],
    ['PORT', '0', /PORT must be an integer/],
    ['HEALTH_PORT', '-1', /HEALTH_PORT must be an integer/],
    ['ADMIN_PORT', '0', /ADMIN_PORT must be an integer/],
    ['ADMIN_PORT', '8080', /ADMIN_PORT must differ from PORT/],
    ['ISSUER', 'ftp://x', /ISSUER must be an http\(s\) URL/],
    ['ISSUER', 'https://x/?q=1', /ISSUER must be an http\(s\) URL/],
    ['ISSUER', 'https://x/#f', /ISSUER must be an http\(s\) URL/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL must be a postgres/],
    ['REDIS_URL', 'http://x', /REDIS_URL must be a redis/],
    ['NATS_URL', 'localhost:4222', /NATS_URL must be/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of/],
    ['BUS_TIMEOUT_MS', '5', /BUS_TIMEOUT_MS must be/],
    ['DATABASE_QUERY_TIMEOUT_MS', '50', /DATABASE_QUERY_TIMEOUT_MS must be an integer/],
    ['DATABASE_QUERY_TIMEOUT_MS', '5000', /DATABASE_QUERY_TIMEOUT_MS must be below BUS_TIMEOUT_MS/],
  ])('rejects %s=%s naming the variable', (key, value, message) => {
    expect(() => loadConfig({ [key]: value })).toThrow(message);
  });

  it('reports every problem at once', () => {
    try {
      loadConfig({ PORT: 'x', LOG_LEVEL: 'y' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toHaveLength(2);
      expect((err as ConfigError).code).toBe('CONFIG_INVALID');
    }
  });

  it('requires the admin client id and secret together', () => {
    expect(() => loadConfig({ ADMIN_CLIENT_ID: 'admin' })).toThrow(/ADMIN_CLIENT_SECRET/);
    expect(() => loadConfig({ ADMIN_CLIENT_SECRET: 'a-very-long-admin-secret' })).toThrow(
      /ADMIN_CLIENT_ID/,
    );
  });

  it('never echoes a secret or a URL password in its message', () => {
    try {
      loadConfig({ ADMIN_CLIENT_ID: 'admin', ADMIN_CLIENT_SECRET: 'short-secret' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(String(err)).toContain('ADMIN_CLIENT_SECRET must be at least 16');
      expect(String(err)).not.toContain('short-secret');
    }
    try {
      loadConfig({ DATABASE_URL: 'mysql://user:hunter2@db/x' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(String(err)).not.toContain('hunter2');
    }
  });

  it('fails a distributed service whose backends are not configured', () => {
    expect(() => loadConfig({}, { require: ['nats', 'database'] })).toThrow(
      /NATS_URL is required[\s\S]*DATABASE_URL is required/,
    );
    expect(() =>
      loadConfig({ NATS_URL: 'nats://127.0.0.1:4222' }, { require: ['nats'] }),
    ).not.toThrow();
  });

  describe('OUTBOUND_ALLOW_PRIVATE and OUTBOUND_ALLOWED_CIDRS', () => {
    it('allows public https targets only by default', () => {
      expect(loadConfig({}).outbound).toEqual({ allowPrivate: false, allowedCidrs: [] });
    });

    it('reads the operator allowance', () => {
      expect(
        loadConfig({
          OUTBOUND_ALLOW_PRIVATE: 'true',
          OUTBOUND_ALLOWED_CIDRS: ' 127.0.0.0/8, ::1/128 ',
        }).outbound,
      ).toEqual({ allowPrivate: true, allowedCidrs: ['127.0.0.0/8', '::1/128'] });
    });

    it.each([
      [{ OUTBOUND_ALLOW_PRIVATE: 'yes' }, /OUTBOUND_ALLOW_PRIVATE must be true or false/],
      [{ OUTBOUND_ALLOWED_CIDRS: '127.0.0.1' }, /OUTBOUND_ALLOWED_CIDRS must be comma-separated/],
      [{ OUTBOUND_ALLOWED_CIDRS: '10.0.0.1/8' }, /OUTBOUND_ALLOWED_CIDRS must be comma-separated/],
    ])('refuses %p', (env, message) => {
      expect(() => loadConfig(env)).toThrow(message);
    });
  });

  describe('OpenTelemetry tracing (OTEL_*)', () => {
    it('is off without an endpoint', () => {
      expect(loadConfig({}).tracing).toBeUndefined();
      expect(loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).tracing).toBeUndefined();
    });

    it('sends to the traces path of the base endpoint, over protobuf by default', () => {
      expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual(
        { tracesUrl: 'http://collector:4318/v1/traces', protocol: 'http/protobuf' },
      );
    });

    it('takes the traces endpoint as given, over the base one', () => {
      expect(
        loadConfig({
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://tempo.example/otlp/traces',
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        }).tracing,
      ).toEqual({ tracesUrl: 'https://tempo.example/otlp/traces', protocol: 'http/json' });
    });

    it('stays off with OTEL_SDK_DISABLED=true', () => {
      expect(
        loadConfig({
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
          OTEL_SDK_DISABLED: 'true',
        }).tracing,
      ).toBeUndefined();
    });

    it.each([
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /OTEL_EXPORTER_OTLP_ENDPOINT must be/],
      [
        { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://user:pw@tempo/v1/traces' },
        /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be/,
      ],
      [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /OTEL_EXPORTER_OTLP_PROTOCOL must be one of/],
      [{ OTEL_SDK_DISABLED: '1' }, /OTEL_SDK_DISABLED must be true or false/],
    ])('refuses %p', (env, message) => {
      expect(() => loadConfig(env)).toThrow(message);
    });
  });

  describe('PREVIOUS_KEY_ENCRYPTION_KEYS', () => {
    it('is an empty list by default and a list when set', () => {
      expect(loadConfig({}).previousKeyEncryptionKeys).toEqual([]);
      expect(
        loadConfig({ PREVIOUS_KEY_ENCRYPTION_KEYS: `${'a'.repeat(32)},${'b'.repeat(40)}` })
          .previousKeyEncryptionKeys,
      ).toEqual(['a'.repeat(32), 'b'.repeat(40)]);
    });

    it('refuses a short key without echoing it', () => {
      try {
        loadConfig({ PREVIOUS_KEY_ENCRYPTION_KEYS: 'old-and-short' });
        throw new Error('expected a ConfigError');
      } catch (err) {
        expect(String(err)).toContain('PREVIOUS_KEY_ENCRYPTION_KEYS must be');
        expect(String(err)).not.toContain('old-and-short');
      }
    });
  });

  describe('TRUSTED_PROXIES', () => {
    it('trusts no proxy by default', () => {
      expect(loadConfig({}).trustedProxies).toEqual([]);
      expect(loadConfig({ TRUSTED_PROXIES: ' ' }).trustedProxies).toEqual([]);
    });

    it('reads addresses, CIDR ranges and presets', () => {
      expect(
        loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8, 192.0.2.10,fd00::/8 ,::1,loopback,uniquelocal' })
          .trustedProxies,
      ).toEqual(['10.0.0.0/8', '192.0.2.10', 'fd00::/8', '::1', 'loopback', 'uniquelocal']);
    });

    it.each(['everyone', '10.0.0.0/33', '::/129', '10.0.0/8', '10.0.0.0/', 'true', '1', ','])(
      'rejects %j naming the variable',
      (value) => {
        expect(() => loadConfig({ TRUSTED_PROXIES: value })).toThrow(
          /TRUSTED_PROXIES must be comma-separated IP addresses, CIDR ranges or loopback/,
        );
      },
    );
  });

  describe('COOKIE_SECRET', () => {
    it('is read when set and optional by default', () => {
      expect(loadConfig({ COOKIE_SECRET: 'c'.repeat(32) }).cookieSecrets).toEqual(['c'.repeat(32)]);
      expect(loadConfig({}).cookieSecrets).toBeUndefined();
    });

    it('takes a comma-separated list for rotation, the signing secret first', () => {
      const secrets = ['n'.repeat(40), 'o'.repeat(32)];
      expect(loadConfig({ COOKIE_SECRET: ` ${secrets.join(' , ')} ` }).cookieSecrets).toEqual(
        secrets,
      );
    });

    it('refuses a list with a short member without echoing it', () => {
      try {
        loadConfig({ COOKIE_SECRET: `${'n'.repeat(40)},short-old-secret` });
        throw new Error('expected a ConfigError');
      } catch (err) {
        expect(String(err)).toContain('COOKIE_SECRET must be 1 to 8 comma-separated secrets');
        expect(String(err)).not.toContain('short-old-secret');
      }
    });

    it('must be at least 32 characters, and is never echoed', () => {
      try {
        loadConfig({ COOKIE_SECRET: 'too-short-secret' });
        throw new Error('expected a ConfigError');
      } catch (err) {
        expect(String(err)).toContain('of 32 to 512 characters each');
        expect(String(err)).not.toContain('too-short-secret');
      }
    });

    it('is required by a service that asks for it (the gateway, distributed)', () => {
      expect(() => loadConfig({}, { require: ['cookieSecret'] })).toThrow(
        /COOKIE_SECRET is required/,
      );
    });
  });

  describe('BRAND_*', () => {
    it('defaults to the Latchkey look', () => {
      expect(loadConfig({}).brand).toEqual({
        name: DEFAULT_BRAND.name,
        color: DEFAULT_BRAND.color,
      });
    });

    it('reads the name, colour and a same-origin logo', () => {
      expect(
        loadConfig({
          ISSUER: 'https://id.example.com',
          BRAND_NAME: 'Acme Sign-in',
          BRAND_COLOR: '#0a7',
          BRAND_LOGO_URL: 'https://id.example.com/static/logo.svg',
        }).brand,
      ).toEqual({
        name: 'Acme Sign-in',
        color: '#0a7',
        logoUrl: 'https://id.example.com/static/logo.svg',
      });
      expect(loadConfig({ BRAND_LOGO_URL: '/static/logo.png' }).brand?.logoUrl).toBe(
        '/static/logo.png',
      );
      expect(
        loadConfig({ BRAND_LOGO_URL: 'data:image/png;base64,iVBORw0KGgo=' }).brand?.logoUrl,
      ).toBe('data:image/png;base64,iVBORw0KGgo=');
    });

    it.each([
      ['BRAND_COLOR', 'red', /BRAND_COLOR must be a hex colour/],
      ['BRAND_COLOR', '#12345', /BRAND_COLOR must be a hex colour/],
      ['BRAND_NAME', 'x'.repeat(65), /BRAND_NAME must be 1-64 characters/],
      ['BRAND_NAME', 'a\nb', /BRAND_NAME must be 1-64 characters/],
      ['BRAND_LOGO_URL', '//evil.example/logo.png', /BRAND_LOGO_URL must be a same-origin/],
      ['BRAND_LOGO_URL', 'javascript:alert(1)', /BRAND_LOGO_URL must be a same-origin/],
      ['BRAND_LOGO_URL', 'data:text/html;base64,PHNjcmlwdD4=', /BRAND_LOGO_URL must be/],
      ['BRAND_LOGO_URL', 'https://cdn.example/logo.png', /BRAND_LOGO_URL must be on the issuer/],
    ])('rejects %s=%s', (key, value, message) => {
      expect(() => loadConfig({ [key]: value })).toThrow(message);
    });
  });

  describe('KEY_ROTATION_INTERVAL_HOURS and KEY_PUBLISH_AHEAD_SECONDS', () => {
    it('default to 30 days and 120 seconds', () => {
      expect(loadConfig({}).keyRotation).toEqual({ intervalHours: 720, publishAheadSeconds: 120 });
    });

    it('are read as integers; 0 turns scheduled rotation off', () => {
      expect(
        loadConfig({ KEY_ROTATION_INTERVAL_HOURS: '0', KEY_PUBLISH_AHEAD_SECONDS: '300' })
          .keyRotation,
      ).toEqual({ intervalHours: 0, publishAheadSeconds: 300 });
      expect(loadConfig({ KEY_ROTATION_INTERVAL_HOURS: ' ' }).keyRotation?.intervalHours).toBe(720);
    });

    it.each([
      ['KEY_ROTATION_INTERVAL_HOURS', '-1'],
      ['KEY_ROTATION_INTERVAL_HOURS', '87601'],
      ['KEY_ROTATION_INTERVAL_HOURS', '1.5'],
      ['KEY_ROTATION_INTERVAL_HOURS', '30d'],
      ['KEY_PUBLISH_AHEAD_SECONDS', '86401'],
      ['KEY_PUBLISH_AHEAD_SECONDS', 'soon'],
    ])('rejects %s=%s naming the variable', (key, value) => {
      expect(() => loadConfig({ [key]: value })).toThrow(
        new RegExp(`${key} must be an integer between`),
      );
    });
  });

  describe('REFRESH_TOKEN_REUSE_WINDOW_SECONDS', () => {
    it('defaults to 10 seconds; 0 turns the window off', () => {
      expect(loadConfig({}).refreshTokenReuseWindowSeconds).toBe(10);
      expect(
        loadConfig({ REFRESH_TOKEN_REUSE_WINDOW_SECONDS: '0' }).refreshTokenReuseWindowSeconds,
      ).toBe(0);
      expect(
        loadConfig({ REFRESH_TOKEN_REUSE_WINDOW_SECONDS: '30' }).refreshTokenReuseWindowSeconds,
      ).toBe(30);
    });

    it.each(['-1', '301', '2.5', '10s'])('rejects %s naming the variable', (value) => {
      expect(() => loadConfig({ REFRESH_TOKEN_REUSE_WINDOW_SECONDS: value })).toThrow(
        /REFRESH_TOKEN_REUSE_WINDOW_SECONDS must be an integer between 0 and 300/,
      );
    });
  });

  describe('embeddedConfig', () => {
    let dataDir: string;
    beforeEach(() => {
      dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-config-'));
    });
    afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

    it('generates a cookie secret once into the data directory, readable by the owner only', () => {
      const first = embeddedConfig(loadConfig({ DATA_DIR: dataDir }));
      const again = embeddedConfig(loadConfig({ DATA_DIR: dataDir }));
      expect(first.cookieSecrets).toEqual([expect.stringMatching(/^[A-Za-z0-9_-]{43}$/)]);
      expect(again.cookieSecrets).toEqual(first.cookieSecrets);
      const file = path.join(dataDir, 'cookie-secret.key');
      expect([readFileSync(file, 'utf8').trim()]).toEqual(first.cookieSecrets);
      expect(statSync(file).mode & 0o077).toBe(0);
    });

    it('keeps a configured COOKIE_SECRET', () => {
      const config = embeddedConfig(
        loadConfig({ DATA_DIR: dataDir, COOKIE_SECRET: 's'.repeat(40) }),
      );
      expect(config.cookieSecrets).toEqual(['s'.repeat(40)]);
    });
  });
});
