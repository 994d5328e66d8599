import { ADMIN_SCOPE } from '@latchkey/oauth';
import { ApiError, CliError } from './cli.errors';

/** The admin client (docs/architecture.md §4: ADMIN_CLIENT_ID / ADMIN_CLIENT_SECRET) and where it gets tokens. */
export interface AdminCredentials {
  issuer: string;
  client_id: string;
  client_secret: string;
  /** From discovery; looked up on first use when unknown. */
  token_endpoint?: string;
  /**
   * Where the admin API answers when the server runs a separate admin plane (ADMIN_PORT);
   * the issuer otherwise. Tokens still come from the issuer's token endpoint.
   */
  admin_url?: string;
}

export interface AccessToken {
  value: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  /** What the server granted (RFC 6749 §5.1); absent means what was requested. */
  scope?: string;
}

/** Where tokens are kept between commands: the credentials file, or memory for env credentials. */
export interface TokenCache {
  read(): AccessToken | undefined;
  write(token: AccessToken): void;
}

const REQUEST_TIMEOUT_MS = 30_000;
/** A token this close to its expiry is renewed first, so it cannot expire on the way. */
const EXPIRY_MARGIN_MS = 30_000;
/** RFC 6749 §5.1 only recommends expires_in; without it, assume a short life. */
const DEFAULT_EXPIRES_IN_S = 60;

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * The admin REST API with a Bearer token from the client_credentials grant. A cached token is
 * used until shortly before it expires; a 401 on a cached token (revoked, keys rotated, clock
 * skew) gets one new token and one retry.
 */
export class AdminApiClient {
  constructor(
    private readonly credentials: AdminCredentials,
    private readonly cache: TokenCache,
    private readonly now: () => number,
  ) {}

  get issuer(): string {
    return this.credentials.issuer;
  }

  get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    return this.call('GET', withQuery(path, query)) as Promise<T>;
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.call('POST', path, body) as Promise<T>;
  }

  /** RFC 7396 merge patch. */
  patch<T>(path: string, patch: unknown): Promise<T> {
    return this.call('PATCH', path, patch) as Promise<T>;
  }

  /** DELETE; the answer's JSON when it has one (e.g. how many were revoked), else undefined. */
  delete<T = void>(path: string): Promise<T> {
    return this.call('DELETE', path) as Promise<T>;
  }

  /**
   * A long-lived GET (Server-Sent Events): the response with its body unread once the status is
   * 2xx; an error status throws like any call. No overall timeout: `signal` ends it.
   */
  async stream(
    path: string,
    query: Record<string, string | number | undefined>,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<Response> {
    const url = `${this.credentials.issuer}${withQuery(path, query)}`;
    const open = (token: string) =>
      fetch(url, {
        headers: { Accept: 'text/event-stream', Authorization: `Bearer ${token}`, ...headers },
        redirect: 'error',
        signal,
      }).catch((err: unknown) => {
        throw new CliError(`cannot reach ${new URL(url).origin}: ${networkReason(err)}`);
      });
    const cached = this.cachedToken();
    let response = await open(cached ?? (await this.renewToken()));
    if (response.status === 401 && cached) {
      await response.body?.cancel();
      response = await open(await this.renewToken());
    }
    if (!response.ok) await readJsonResponse(response, `GET ${path}`);
    return response;
  }

  private async call(method: Method, path: string, body?: unknown): Promise<unknown> {
    const cached = this.cachedToken();
    let token = cached ?? (await this.renewToken());
    let response = await this.send(method, path, token, body);
    if (response.status === 401 && cached) {
      token = await this.renewToken();
      response = await this.send(method, path, token, body);
    }
    return readJsonResponse(response, `${method} ${new URL(path, 'http://x').pathname}`);
  }

  private send(method: Method, path: string, token: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      Authorization: `Bearer ${token}`,
    };
    if (body !== undefined) {
      headers['Content-Type'] =
        method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
    }
    return send(`${this.credentials.admin_url ?? this.credentials.issuer}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      // The Bearer token must not follow a redirect anywhere; the admin API never redirects.
      redirect: 'error',
    });
  }

  private cachedToken(): string | undefined {
    const token = this.cache.read();
    if (!token || token.expiresAt - EXPIRY_MARGIN_MS <= this.now()) return undefined;
    return token.value;
  }

  private async renewToken(): Promise<string> {
    this.credentials.token_endpoint ??= await discoverTokenEndpoint(this.credentials.issuer);
    let token: AccessToken;
    try {
      token = await requestAdminToken(this.credentials.token_endpoint, this.credentials, this.now);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 400 || err.status === 401)) {
        throw new CliError(
          `the server refused the admin client credentials: ${err.message}; run \`latchkey login\` again`,
        );
      }
      throw err;
    }
    this.cache.write(token);
    return token.value;
  }
}

/** OIDC Discovery 1.0 §4: the token endpoint, from a document whose issuer is exactly ours. */
export async function discoverTokenEndpoint(issuer: string): Promise<string> {
  const url = `${issuer}/.well-known/openid-configuration`;
  const response = await send(url, { headers: { Accept: 'application/json' } });
  const document = (await readJsonResponse(response, `GET ${new URL(url).pathname}`)) as {
    issuer?: unknown;
    token_endpoint?: unknown;
  } | null;
  if (document?.issuer !== issuer) {
    // §4.3: a different issuer means another server (or a misconfigured proxy); never send it
    // the credentials.
    throw new CliError(
      `the discovery document at ${url} names issuer ${JSON.stringify(document?.issuer)}, not ${issuer}`,
    );
  }
  if (typeof document.token_endpoint !== 'string' || !isHttpUrl(document.token_endpoint)) {
    throw new CliError(`the discovery document at ${url} has no valid token_endpoint`);
  }
  return document.token_endpoint;
}

/**
 * RFC 6749 §4.4 client_credentials with client_secret_basic (§2.3.1: id and secret are
 * form-urlencoded before base64), asking for the admin scope only.
 */
export async function requestAdminToken(
  tokenEndpoint: string,
  credentials: AdminCredentials,
  now: () => number,
): Promise<AccessToken> {
  const basic = Buffer.from(
    `${formEncode(credentials.client_id)}:${formEncode(credentials.client_secret)}`,
  ).toString('base64');
  const response = await send(tokenEndpoint, {
    method: 'POST',
    headers: {
      Accept: 'application/json',
      Authorization: `Basic ${basic}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: ADMIN_SCOPE }).toString(),
    redirect: 'error',
  });
  const body = (await readJsonResponse(response, `POST ${new URL(tokenEndpoint).pathname}`)) as {
    access_token?: unknown;
    token_type?: unknown;
    expires_in?: unknown;
    scope?: unknown;
  } | null;
  if (typeof body?.access_token !== 'string' || body.access_token === '') {
    throw new CliError(`the token endpoint ${tokenEndpoint} answered no access_token`);
  }
  if (typeof body.token_type !== 'string' || body.token_type.toLowerCase() !== 'bearer') {
    throw new CliError(
      `the token endpoint answered token_type ${JSON.stringify(body.token_type)}, not Bearer`,
    );
  }
  const expiresIn =
    typeof body.expires_in === 'number' && body.expires_in > 0
      ? body.expires_in
      : DEFAULT_EXPIRES_IN_S;
  return {
    value: body.access_token,
    expiresAt: now() + expiresIn * 1000,
    ...(typeof body.scope === 'string' ? { scope: body.scope } : {}),
  };
}

/** fetch with a timeout, its failures as one-line messages. */
async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (err) {
    throw new CliError(`cannot reach ${new URL(url).origin}: ${networkReason(err)}`);
  }
}

function networkReason(err: unknown): string {
  if ((err as Error | null)?.name === 'TimeoutError') {
    return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  }
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** 2xx: the JSON body (undefined for 204); otherwise an ApiError with the server's error. */
async function readJsonResponse(response: Response, request: string): Promise<unknown> {
  const text = await response.text();
  if (response.ok) {
    if (text === '') return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new CliError(
        `${request} answered HTTP ${response.status} with a body that is not JSON`,
      );
    }
  }
  const { error, description } = readErrorBody(text, response.headers.get('www-authenticate'));
  throw new ApiError(
    response.status,
    error ?? `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
    description,
    request,
  );
}

/** RFC 6749 §5.2 body, else the RFC 6750 §3 challenge's error attributes. */
function readErrorBody(
  text: string,
  challenge: string | null,
): { error?: string; description?: string } {
  try {
    const body = JSON.parse(text) as { error?: unknown; error_description?: unknown } | null;
    if (typeof body?.error === 'string') {
      return {
        error: body.error,
        description:
          typeof body.error_description === 'string' ? body.error_description : undefined,
      };
    }
  } catch {
    // Not JSON (a proxy's HTML page): fall back to the challenge or the status.
  }
  const error = challenge?.match(/\berror="([^"]*)"/)?.[1];
  const description = challenge?.match(/\berror_description="([^"]*)"/)?.[1];
  return { error, description };
}

function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

/** application/x-www-form-urlencoded, as RFC 6749 Appendix B asks for Basic credentials. */
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
