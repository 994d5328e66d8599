/**
 * Cross-origin access (the Fetch standard's CORS protocol) for browser apps such as PKCE
 * single-page apps (docs/architecture.md §3): the public documents (discovery, the key set) are
 * readable by every origin; the token, revocation and userinfo endpoints only by the origins a
 * client registered, through its redirect URIs and its `allowed_cors_origins`. Credentials
 * (cookies) are never allowed anywhere: these endpoints authenticate with what the request
 * carries, so `Access-Control-Allow-Credentials` is never sent.
 */
import { redirectUriProblem, type RedirectUriRules } from './redirect-uri';

/** What one endpoint lets a cross-origin request use, as answered to a preflight. */
export interface CorsEndpoint {
  /** `Access-Control-Allow-Methods`. */
  readonly methods: readonly string[];
  /** `Access-Control-Allow-Headers`: only what the endpoint reads (DPoP is not supported). */
  readonly headers: readonly string[];
}

/** The endpoints that answer registered origins only, and what each needs. */
export const CORS_ENDPOINTS = {
  /** RFC 6749 §3.2: a form POST, client credentials in Authorization (Basic) or the form. */
  token: { methods: ['POST'], headers: ['authorization', 'content-type'] },
  /** RFC 7009 §2.1: as at the token endpoint. */
  revocation: { methods: ['POST'], headers: ['authorization', 'content-type'] },
  /** OIDC Core §5.3: GET or POST with a Bearer token in Authorization or the form. */
  userinfo: { methods: ['GET', 'POST'], headers: ['authorization', 'content-type'] },
} as const satisfies Record<string, CorsEndpoint>;

/**
 * How long a browser may reuse a preflight answer. Short, so that an origin a client stops
 * allowing is refused soon; each actual request is checked against its own client anyway.
 */
export const CORS_MAX_AGE_SECONDS = 600;

/**
 * Response headers a browser app may read besides the safelisted ones: the RFC 6750 / RFC 6749
 * challenge, which tells a client why its token or credentials were refused.
 */
export const CORS_EXPOSED_HEADERS = ['WWW-Authenticate'] as const;

/** The public documents: any origin, no credentials, so no `Vary: Origin` either. */
export const PUBLIC_CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
};

/** Registration rules for an origin: https, or http to a loopback host, as for redirect URIs. */
const ORIGIN_RULES: RedirectUriRules = { allowLoopbackHttp: true, allowPrivateUseScheme: false };

/**
 * Why `origin` cannot be registered in `allowed_cors_origins`, or undefined when it can. It must
 * be an origin exactly as a browser sends it in `Origin` (`scheme://host[:port]`, lower case, no
 * default port): CORS compares origins as strings, so anything else could never match.
 */
export function corsOriginProblem(origin: unknown): string | undefined {
  if (typeof origin !== 'string' || origin === '') return 'must be a non-empty string';
  if (origin.includes('*')) return 'must not contain a wildcard';
  const problem = redirectUriProblem(origin, ORIGIN_RULES);
  if (problem) return problem;
  // The URL parser's serialization of the origin drops any path (even `/`), query or fragment,
  // lower-cases the host and drops a default port: only an origin as browsers send it is equal.
  if (new URL(origin).origin !== origin) {
    return 'must be an origin as browsers send it: scheme://host[:port], lower case, no path, no default port';
  }
  return undefined;
}

/** The origin of an http(s) URI (`scheme://host[:port]`); undefined for other schemes. */
export function originOfUri(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined;
}

/** What a client registered that CORS looks at. */
export interface CorsClient {
  redirect_uris: readonly string[];
  allowed_cors_origins?: readonly string[];
}

/** Every origin a client allows: those of its redirect URIs and its `allowed_cors_origins`. */
export function clientCorsOrigins(client: CorsClient): Set<string> {
  const origins = new Set<string>(client.allowed_cors_origins ?? []);
  for (const uri of client.redirect_uris) {
    const origin = originOfUri(uri);
    if (origin !== undefined) origins.add(origin);
  }
  return origins;
}

/**
 * A request's `Origin` header as one to look up, or undefined: absent (not a cross-origin
 * request), repeated, or `null` (an opaque origin, which nobody can register).
 */
export function requestOrigin(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string' || header === '' || header === 'null') return undefined;
  return header;
}

/**
 * The answer to a preflight from `origin` at `endpoint`: with `allowed` (some client registered
 * the origin), the origin, the endpoint's methods and headers and how long to keep them; without,
 * nothing the browser could take as permission. `Vary: Origin` either way, since the answer
 * depends on it.
 */
export function preflightHeaders(
  endpoint: CorsEndpoint,
  origin: string,
  allowed: boolean,
): Record<string, string> {
  if (!allowed) return { Vary: 'Origin' };
  return {
    Vary: 'Origin',
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': endpoint.methods.join(', '),
    'Access-Control-Allow-Headers': endpoint.headers.join(', '),
    'Access-Control-Max-Age': String(CORS_MAX_AGE_SECONDS),
  };
}

/**
 * The CORS headers of an actual request's response (success or error alike): the origin only
 * when the client the request is made for allowed it. `Vary: Origin` always, so a shared cache
 * never hands one origin's answer to another.
 */
export function actualResponseHeaders(
  origin: string | undefined,
  allowed: boolean,
): Record<string, string> {
  if (origin === undefined || !allowed) return { Vary: 'Origin' };
  return {
    Vary: 'Origin',
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Expose-Headers': CORS_EXPOSED_HEADERS.join(', '),
  };
}
