import {
  actualResponseHeaders,
  clientCorsOrigins,
  CORS_ENDPOINTS,
  CORS_MAX_AGE_SECONDS,
  corsOriginProblem,
  originOfUri,
  preflightHeaders,
  PUBLIC_CORS_HEADERS,
  requestOrigin,
} from './cors';
import { validateClientMetadata } from './client-metadata';
import { InvalidClientMetadata } from './errors/oauth-error';

describe('CORS', () => {
  describe('corsOriginProblem', () => {
    it.each([
      'https://spa.example.com',
      'https://spa.example.com:8443',
      'http://127.0.0.1:5173',
      'http://[::1]:3000',
      'http://localhost:4200',
      'https://xn--bcher-kva.example',
    ])('accepts the origin %s', (origin) => {
      expect(corsOriginProblem(origin)).toBeUndefined();
    });

    it.each([
      ['https://spa.example.com/', 'path'],
      ['https://spa.example.com/app', 'path'],
      ['https://spa.example.com?x=1', 'path'],
      ['https://spa.example.com#frag', 'fragment'],
      ['https://*.example.com', 'wildcard'],
      ['*', 'wildcard'],
      ['https://user:pw@spa.example.com', 'userinfo'],
      ['http://spa.example.com', 'https'],
      ['https://SPA.example.com', 'lower case'],
      ['https://spa.example.com:443', 'default port'],
      ['HTTPS://spa.example.com', 'lower-case scheme'],
      ['com.example.app:', 'https'],
      ['null', 'absolute'],
      ['', 'non-empty'],
    ])('refuses %s (%s)', (origin, why) => {
      expect(corsOriginProblem(origin)).toContain(why);
    });

    it('refuses what is not a string', () => {
      expect(corsOriginProblem(42)).toBeDefined();
      expect(corsOriginProblem(undefined)).toBeDefined();
    });
  });

  describe('originOfUri', () => {
    it('is the origin of an http(s) URI, without a default port', () => {
      expect(originOfUri('https://app.example.com/cb?x=1')).toBe('https://app.example.com');
      expect(originOfUri('https://app.example.com:443/cb')).toBe('https://app.example.com');
      expect(originOfUri('http://127.0.0.1:8080/cb')).toBe('http://127.0.0.1:8080');
    });

    it('is undefined for a private-use scheme or garbage', () => {
      expect(originOfUri('com.example.app:/cb')).toBeUndefined();
      expect(originOfUri('not a uri')).toBeUndefined();
    });
  });

  describe('clientCorsOrigins', () => {
    it('joins the origins of the redirect URIs and allowed_cors_origins', () => {
      const origins = clientCorsOrigins({
        redirect_uris: [
          'https://app.example.com/cb',
          'https://app.example.com/other',
          'com.example.app:/cb',
        ],
        allowed_cors_origins: ['https://spa.example.com'],
      });
      expect([...origins].sort()).toEqual(['https://app.example.com', 'https://spa.example.com']);
    });

    it('needs no allowed_cors_origins', () => {
      expect([...clientCorsOrigins({ redirect_uris: [] })]).toEqual([]);
    });
  });

  describe('requestOrigin', () => {
    it('takes a single Origin header and ignores the opaque origin null', () => {
      expect(requestOrigin('https://spa.example.com')).toBe('https://spa.example.com');
      expect(requestOrigin('null')).toBeUndefined();
      expect(requestOrigin(undefined)).toBeUndefined();
      expect(requestOrigin('')).toBeUndefined();
      expect(requestOrigin(['https://a.example', 'https://b.example'])).toBeUndefined();
    });
  });

  describe('preflightHeaders', () => {
    it("allows an allowed origin the endpoint's methods and headers, for a while", () => {
      expect(preflightHeaders(CORS_ENDPOINTS.userinfo, 'https://spa.example.com', true)).toEqual({
        Vary: 'Origin',
        'Access-Control-Allow-Origin': 'https://spa.example.com',
        'Access-Control-Allow-Methods': 'GET, POST',
        'Access-Control-Allow-Headers': 'authorization, content-type',
        'Access-Control-Max-Age': String(CORS_MAX_AGE_SECONDS),
      });
    });

    it('gives any other origin nothing but Vary', () => {
      expect(preflightHeaders(CORS_ENDPOINTS.token, 'https://evil.example', false)).toEqual({
        Vary: 'Origin',
      });
    });
  });

  describe('actualResponseHeaders', () => {
    it('names the origin only when allowed, and exposes the challenge', () => {
      expect(actualResponseHeaders('https://spa.example.com', true)).toEqual({
        Vary: 'Origin',
        'Access-Control-Allow-Origin': 'https://spa.example.com',
        'Access-Control-Expose-Headers': 'WWW-Authenticate',
      });
      expect(actualResponseHeaders('https://spa.example.com', false)).toEqual({ Vary: 'Origin' });
      expect(actualResponseHeaders(undefined, true)).toEqual({ Vary: 'Origin' });
    });
  });

  it('never allows credentials, anywhere', () => {
    const all = [
      PUBLIC_CORS_HEADERS,
      preflightHeaders(CORS_ENDPOINTS.token, 'https://spa.example.com', true),
      actualResponseHeaders('https://spa.example.com', true),
    ];
    for (const headers of all) {
      expect(Object.keys(headers).map((name) => name.toLowerCase())).not.toContain(
        'access-control-allow-credentials',
      );
    }
    expect(PUBLIC_CORS_HEADERS['Access-Control-Allow-Origin']).toBe('*');
  });

  describe('allowed_cors_origins in client metadata', () => {
    const base = { redirect_uris: ['https://app.example.com/cb'] };

    it('is stored as registered, duplicates dropped, and absent when empty', () => {
      const metadata = validateClientMetadata({
        ...base,
        allowed_cors_origins: ['https://spa.example.com', 'https://spa.example.com'],
      });
      expect(metadata.allowed_cors_origins).toEqual(['https://spa.example.com']);
      expect(validateClientMetadata({ ...base, allowed_cors_origins: [] })).not.toHaveProperty(
        'allowed_cors_origins',
      );
    });

    it.each([
      [['https://spa.example.com/app'], 'allowed_cors_origins[0]'],
      [['https://spa.example.com', 'https://*.example.com'], 'allowed_cors_origins[1]'],
      ['https://spa.example.com', 'array of strings'],
      [[42], 'array of strings'],
    ])('refuses %j', (value, message) => {
      expect(() => validateClientMetadata({ ...base, allowed_cors_origins: value })).toThrow(
        InvalidClientMetadata,
      );
      expect(() => validateClientMetadata({ ...base, allowed_cors_origins: value })).toThrow(
        message,
      );
    });

    it('is reset by null in an update', () => {
      const existing = validateClientMetadata({
        ...base,
        allowed_cors_origins: ['https://spa.example.com'],
      });
      expect(
        validateClientMetadata({ allowed_cors_origins: null }, { existing }),
      ).not.toHaveProperty('allowed_cors_origins');
    });
  });
});
