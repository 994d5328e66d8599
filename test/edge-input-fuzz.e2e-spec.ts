import fc from 'fast-check';
import { randomToken } from '@latchkey/oauth';
import { describeEachMode } from './support/platform';
import { freePort } from './support/processes';
import {
  authorizationParams,
  loopbackRedirectUri,
  PlatformAdmin,
  type TestClient,
} from './support/provisioning';

/**
 * Property: whatever text, control bytes, lone surrogates or invalid UTF-8 (raw or
 * percent-encoded) a caller puts into any parameter of any endpoint, the answer is never a 5xx,
 * never carries internal text, and has the endpoint's error shape (docs/architecture.md §3,
 * Errors). One line of ENDPOINTS per endpoint; a failure prints the seed and the input.
 */
jest.setTimeout(600_000);

/** Fixed, so that a failure is reproduced by running the suite again. */
const SEED = 20_261_203;
const RUNS = 40;

/** What an endpoint's errors look like. */
type Shape = 'oauth' | 'page' | 'admin';
/** Where the fuzzed parameter goes. */
type Place = 'query' | 'form' | 'json' | 'path' | 'basic';
type Auth = 'none' | 'admin' | 'app' | 'registration';

interface Endpoint {
  method: string;
  /** `:id` is replaced by the fuzzed value when the place is `path`, else by `baseId`. */
  path: string;
  shape: Shape;
  place: Place;
  /** The parameters to fuzz, one per run; a dotted name is a nested JSON member. */
  params: readonly string[];
  auth?: Auth;
  runs?: number;
}

/** Every parameter of every public endpoint and of the admin API. */
const ENDPOINTS: readonly Endpoint[] = [
  // prettier-ignore
  ...([
    { method: 'GET', path: '/authorize', shape: 'page', place: 'query', params: ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'prompt', 'max_age', 'resource', 'login_hint', 'id_token_hint'] },
    { method: 'POST', path: '/authorize', shape: 'page', place: 'form', params: ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'prompt'] },
    { method: 'GET', path: '/login', shape: 'page', place: 'query', params: ['interaction', 'x'] },
    { method: 'POST', path: '/login', shape: 'page', place: 'form', params: ['username', 'password', 'interaction', 'csrf'] },
    { method: 'GET', path: '/consent', shape: 'page', place: 'query', params: ['interaction', 'x'] },
    { method: 'POST', path: '/consent', shape: 'page', place: 'form', params: ['decision', 'interaction', 'csrf'] },
    { method: 'POST', path: '/token', shape: 'oauth', place: 'form', params: ['grant_type', 'code', 'redirect_uri', 'code_verifier', 'client_id'], auth: 'app' },
    { method: 'POST', path: '/token', shape: 'oauth', place: 'form', params: ['refresh_token', 'scope', 'resource'], auth: 'app' },
    { method: 'POST', path: '/token', shape: 'oauth', place: 'form', params: ['scope', 'resource', 'client_id', 'client_secret', 'client_assertion', 'client_assertion_type'] },
    { method: 'POST', path: '/token', shape: 'oauth', place: 'basic', params: ['id', 'secret'] },
    { method: 'POST', path: '/introspect', shape: 'oauth', place: 'form', params: ['token', 'token_type_hint', 'client_id'], auth: 'app' },
    { method: 'POST', path: '/introspect', shape: 'oauth', place: 'basic', params: ['id', 'secret'] },
    { method: 'POST', path: '/revoke', shape: 'oauth', place: 'form', params: ['token', 'token_type_hint', 'client_id'], auth: 'app' },
    { method: 'POST', path: '/revoke', shape: 'oauth', place: 'basic', params: ['id', 'secret'] },
    { method: 'GET', path: '/userinfo', shape: 'oauth', place: 'query', params: ['access_token', 'x'] },
    { method: 'POST', path: '/userinfo', shape: 'oauth', place: 'form', params: ['access_token', 'x'] },
    { method: 'GET', path: '/logout', shape: 'page', place: 'query', params: ['id_token_hint', 'post_logout_redirect_uri', 'state', 'client_id', 'logout_hint', 'ui_locales'] },
    { method: 'POST', path: '/logout', shape: 'page', place: 'form', params: ['id_token_hint', 'post_logout_redirect_uri', 'state', 'client_id'] },
    { method: 'POST', path: '/register', shape: 'oauth', place: 'json', params: ['client_name', 'redirect_uris.0', 'scope', 'token_endpoint_auth_method', 'grant_types.0', 'jwks.keys.0.kid', 'jwks.keys.0.n'], auth: 'registration' },
    { method: 'GET', path: '/register/:id', shape: 'oauth', place: 'path', params: ['id'], auth: 'registration' },
    { method: 'GET', path: '/.well-known/openid-configuration', shape: 'oauth', place: 'query', params: ['x'] },
    { method: 'GET', path: '/.well-known/jwks.json', shape: 'oauth', place: 'query', params: ['x'] },
    { method: 'POST', path: '/admin/clients', shape: 'admin', place: 'json', params: ['client_name', 'redirect_uris.0', 'scope', 'post_logout_redirect_uris.0', 'jwks.keys.0.kid', 'client_id'], auth: 'admin' },
    { method: 'GET', path: '/admin/clients', shape: 'admin', place: 'query', params: ['limit', 'cursor'], auth: 'admin' },
    { method: 'GET', path: '/admin/clients/:id', shape: 'admin', place: 'path', params: ['id'], auth: 'admin' },
    { method: 'PATCH', path: '/admin/clients/:id', shape: 'admin', place: 'json', params: ['client_name', 'scope', 'redirect_uris.0'], auth: 'admin' },
    { method: 'POST', path: '/admin/clients/:id/secret', shape: 'admin', place: 'path', params: ['id'], auth: 'admin' },
    { method: 'POST', path: '/admin/resources', shape: 'admin', place: 'json', params: ['identifier', 'name', 'scopes.0'], auth: 'admin' },
    { method: 'GET', path: '/admin/resources', shape: 'admin', place: 'query', params: ['limit', 'cursor'], auth: 'admin' },
    { method: 'GET', path: '/admin/resources/:id', shape: 'admin', place: 'path', params: ['id'], auth: 'admin' },
    { method: 'POST', path: '/admin/users', shape: 'admin', place: 'json', params: ['username', 'password', 'email', 'name', 'given_name'], auth: 'admin' },
    { method: 'GET', path: '/admin/users', shape: 'admin', place: 'query', params: ['limit', 'cursor', 'username'], auth: 'admin' },
    { method: 'GET', path: '/admin/users/:id', shape: 'admin', place: 'path', params: ['id'], auth: 'admin' },
    { method: 'PATCH', path: '/admin/users/:id', shape: 'admin', place: 'json', params: ['name', 'email', 'family_name'], auth: 'admin' },
    { method: 'GET', path: '/admin/users/:id/grants', shape: 'admin', place: 'path', params: ['id'], auth: 'admin' },
    { method: 'GET', path: '/admin/users/:id/sessions', shape: 'admin', place: 'path', params: ['id'], auth: 'admin' },
    { method: 'GET', path: '/admin/users/:id/consents', shape: 'admin', place: 'path', params: ['id'], auth: 'admin' },
    { method: 'DELETE', path: '/admin/grants/:id', shape: 'admin', place: 'path', params: ['id'], auth: 'admin' },
    { method: 'GET', path: '/admin/audit', shape: 'admin', place: 'query', params: ['type', 'subject', 'client_id', 'sub', 'since', 'until', 'limit', 'cursor'], auth: 'admin' },
    { method: 'GET', path: '/admin/audit/verify', shape: 'admin', place: 'query', params: ['from_seq', 'to_seq'], auth: 'admin' },
    { method: 'POST', path: '/admin/initial-access-tokens', shape: 'admin', place: 'json', params: ['max_uses', 'scope'], auth: 'admin' },
    { method: 'POST', path: '/admin/keys/rotate', shape: 'admin', place: 'query', params: ['x'], auth: 'admin', runs: 5 },
  ] as const),
];

/** The error codes an OAuth endpoint may answer (RFC 6749, 6750, 7009, 7591, 7592, 8707, ours). */
const OAUTH_ERRORS = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
  'invalid_token',
  'insufficient_scope',
  'unsupported_token_type',
  'invalid_client_metadata',
  'invalid_redirect_uri',
  'not_found',
  'temporarily_unavailable',
]);

/** Text that betrays internals: a stack frame, an exception name, a file path, SQL. */
const INTERNAL =
  /\n\s+at |\b\w*(Error|Exception):|node_modules|\/work\/|\.ts:\d|\bSELECT\b|\bINSERT\b/;

/** One fragment of a hostile value: text (encoded as a client would) or raw bytes as they are. */
type Piece = { text: string } | { bytes: readonly number[] };

const HOSTILE_UNITS = [
  '\u0000',
  '\u0001',
  '\t',
  '\n',
  '\r',
  '\u001b',
  '\u007f',
  '\uD800',
  '\uDFFF',
  '\uFFFD',
  '%',
  '+',
  '&',
  '=',
  '/',
  '?',
  '#',
  '"',
  '\\',
];
const piece: fc.Arbitrary<Piece> = fc.oneof(
  fc.record({ text: fc.string({ unit: 'binary', maxLength: 12 }) }),
  fc.record({ text: fc.constantFrom(...HOSTILE_UNITS) }),
  fc.record({
    text: fc.string({ unit: fc.constantFrom(...HOSTILE_UNITS, 'a', 'é'), maxLength: 6 }),
  }),
  // Invalid UTF-8: a stray continuation byte, a truncated sequence, an encoded surrogate, 0xFF.
  fc.record({
    bytes: fc.constantFrom([0xff], [0xc3], [0x80], [0xed, 0xa0, 0x80], [0xf0, 0x9f], [0xc0, 0x80]),
  }),
);
const hostile = fc.array(piece, { minLength: 1, maxLength: 5 });

/** The bytes of a piece; text is UTF-16 code units as WTF-8, so a lone surrogate stays visible. */
function bytesOf(pieces: readonly Piece[]): Buffer {
  const parts: Buffer[] = [];
  for (const p of pieces) {
    if ('bytes' in p) {
      parts.push(Buffer.from(p.bytes));
      continue;
    }
    for (const ch of p.text) {
      const code = ch.codePointAt(0)!;
      if (code >= 0xd800 && code <= 0xdfff) {
        parts.push(
          Buffer.from([0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]),
        );
      } else {
        parts.push(Buffer.from(ch, 'utf8'));
      }
    }
  }
  return Buffer.concat(parts);
}

/** Percent-encodes every byte outside the unreserved set (RFC 3986 §2.3). */
function percentEncode(bytes: Buffer): string {
  let out = '';
  for (const byte of bytes) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(ch)
      ? ch
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** JSON text with the hostile value at `name` (dotted path): text escaped, raw bytes kept raw. */
function jsonWith(base: Record<string, unknown>, name: string, pieces: readonly Piece[]): Buffer {
  const placeholder = `@@fuzz${randomToken().slice(0, 8)}@@`;
  const body = structuredClone(base);
  const keys = name.split('.');
  let node = body as Record<string, unknown>;
  for (const [i, key] of keys.slice(0, -1).entries()) {
    node[key] ??= /^\d+$/.test(keys[i + 1]!) ? [] : {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = placeholder;
  const [before, after] = JSON.stringify(body).split(placeholder) as [string, string];
  const parts = pieces.map((p) =>
    'bytes' in p ? Buffer.from(p.bytes) : Buffer.from(JSON.stringify(p.text).slice(1, -1), 'utf8'),
  );
  return Buffer.concat([Buffer.from(before), ...parts, Buffer.from(after)]);
}

describeEachMode('every parameter of every endpoint under fuzzed input', (platform) => {
  let adminToken: string;
  let app: TestClient;
  let patchClientId: string;
  let userId: string;
  let initialAccessToken: string;

  /** Valid values for the other parameters, so a run gets past the first check it meets. */
  function baseParams(endpoint: Endpoint): Record<string, unknown> {
    if (endpoint.path === '/authorize') return authorizationParams(app);
    if (endpoint.path === '/token') return { grant_type: 'client_credentials' };
    if (endpoint.path === '/admin/clients' && endpoint.method === 'POST') {
      return { redirect_uris: ['https://app.example.test/cb'], client_name: 'Fuzzed' };
    }
    if (endpoint.path === '/register') return { redirect_uris: ['https://app.example.test/cb'] };
    if (endpoint.path === '/admin/resources' && endpoint.method === 'POST') {
      return {
        identifier: `https://api-${randomToken().slice(0, 6)}.example.test`,
        name: 'R',
        scopes: ['read'],
      };
    }
    if (endpoint.path === '/admin/users' && endpoint.method === 'POST') {
      return { username: `fz-${randomToken().slice(0, 10)}`, password: 'a long enough password' };
    }
    return {};
  }

  function baseId(endpoint: Endpoint): string {
    if (endpoint.path.startsWith('/admin/users/')) return userId;
    if (endpoint.path.startsWith('/admin/clients/')) return patchClientId;
    return 'none';
  }

  async function send(
    endpoint: Endpoint,
    param: string,
    pieces: readonly Piece[],
  ): Promise<Response> {
    const headers: Record<string, string> = {
      accept: endpoint.shape === 'page' ? 'text/html' : 'application/json',
    };
    if (endpoint.auth === 'admin') headers.authorization = `Bearer ${adminToken}`;
    if (endpoint.auth === 'registration') headers.authorization = `Bearer ${initialAccessToken}`;
    if (endpoint.auth === 'app') {
      headers.authorization = `Basic ${Buffer.from(`${app.client_id}:${app.client_secret!}`).toString('base64')}`;
    }
    if (endpoint.shape === 'page') headers.origin = platform().issuer;
    const base = baseParams(endpoint);
    let path = endpoint.path.replace(
      ':id',
      endpoint.place === 'path'
        ? percentEncode(bytesOf(pieces))
        : encodeURIComponent(baseId(endpoint)),
    );
    let body: Buffer | undefined;
    const encoded = percentEncode(bytesOf(pieces));
    const form = () => {
      const fields = new URLSearchParams(base as Record<string, string>);
      fields.delete(param);
      const rest = fields.toString();
      return `${rest ? `${rest}&` : ''}${encodeURIComponent(param)}=${encoded}`;
    };
    if (endpoint.place === 'query') path += `?${form()}`;
    if (endpoint.place === 'form') {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = Buffer.from(form());
    } else if (endpoint.place === 'json') {
      headers['content-type'] = 'application/json';
      body = jsonWith(base, param, pieces);
    } else if (endpoint.place === 'basic') {
      const id = param === 'id' ? bytesOf(pieces) : Buffer.from(app.client_id);
      const secret = param === 'secret' ? bytesOf(pieces) : Buffer.from('secret');
      headers.authorization = `Basic ${Buffer.concat([id, Buffer.from(':'), secret]).toString('base64')}`;
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = Buffer.from('grant_type=client_credentials&token=x');
    } else if (endpoint.method !== 'GET' && endpoint.method !== 'DELETE' && body === undefined) {
      if (endpoint.shape !== 'admin' || endpoint.method === 'PATCH') {
        headers['content-type'] = 'application/json';
        body = Buffer.from('{}');
      }
    }
    return fetch(`${platform().issuer}${path}`, {
      method: endpoint.method,
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(15_000),
    });
  }

  /** No 5xx, nothing internal, and an error in the endpoint's own shape. */
  async function expectSpecShaped(endpoint: Endpoint, res: Response): Promise<void> {
    const text = await res.text();
    const summary = `${endpoint.method} ${endpoint.path} -> ${res.status} ${text.slice(0, 300)}`;
    if (res.status >= 500) throw new Error(`a server error: ${summary}`);
    if (INTERNAL.test(text)) throw new Error(`internal text in the answer: ${summary}`);
    if (res.status < 400) return;
    const type = res.headers.get('content-type') ?? '';
    if (endpoint.shape === 'page') {
      if (!type.startsWith('text/html')) throw new Error(`not an error page: ${summary}`);
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new Error(`not JSON: ${summary}`);
    }
    if (typeof body.error !== 'string') throw new Error(`no error code: ${summary}`);
    if (endpoint.shape === 'oauth' && !OAUTH_ERRORS.has(body.error)) {
      throw new Error(`an error code outside the RFCs: ${summary}`);
    }
    if (endpoint.shape === 'admin' && typeof body.error_description !== 'string') {
      throw new Error(`no message: ${summary}`);
    }
  }

  beforeAll(async () => {
    const operator = await PlatformAdmin.connect(platform());
    const { id, secret } = platform().adminClient;
    const token = await fetch(`${platform().issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    adminToken = ((await token.json()) as { access_token: string }).access_token;
    const redirectUri = loopbackRedirectUri(await freePort());
    app = await operator.createClient('client_secret_basic', { redirectUri, name: 'Fuzz app' });
    patchClientId = (await operator.createClient('none', { redirectUri, name: 'Fuzz patch' }))
      .client_id;
    userId = (await operator.createUser(`fuzz-${randomToken().slice(0, 8).toLowerCase()}`)).id;
    const iat = await fetch(`${platform().issuer}/admin/initial-access-tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: '{}',
    });
    initialAccessToken = ((await iat.json()) as { initial_access_token: string })
      .initial_access_token;
  });

  it.each(ENDPOINTS.map((e) => [`${e.method} ${e.path} (${e.place})`, e] as const))(
    '%s',
    async (_name, endpoint) => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...endpoint.params), hostile, async (param, pieces) => {
          await expectSpecShaped(endpoint, await send(endpoint, param, pieces));
        }),
        { seed: SEED, numRuns: endpoint.runs ?? RUNS, endOnFailure: true },
      );
    },
  );
});
