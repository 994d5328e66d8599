/**
 * The scenarios: one iteration of each is the same protocol exchange against either target,
 * found through its discovery document, so both sides answer the same requests.
 */
import { createHash, randomBytes } from 'node:crypto';

export const SCENARIOS = [
  {
    id: 'client_credentials',
    title: 'client_credentials',
    connections: 32,
    tokenScenario: true,
  },
  {
    id: 'client_credentials_128',
    title: 'client_credentials, 128 conn',
    connections: 128,
    tokenScenario: true,
  },
  {
    id: 'refresh_token',
    title: 'refresh_token with rotation',
    connections: 32,
    tokenScenario: true,
  },
  {
    id: 'code_flow_sso',
    title: 'code flow with SSO session (authorize → code → token, PKCE)',
    connections: 32,
    tokenScenario: true,
  },
  {
    id: 'introspection',
    title: 'introspection of JWT access tokens',
    connections: 32,
    tokenScenario: true,
  },
  { id: 'jwks', title: 'GET JWKS', connections: 32 },
  { id: 'discovery', title: 'discovery', connections: 32 },
  {
    id: 'password_login',
    title: 'password login (argon2id): authorize → login form → POST → code',
    // Bound by argon2 (a few per second per core): 8 keep the latencies readable.
    connections: 8,
  },
];

/** Per scenario: prepare(ctx, vus) sets up each virtual user; iteration(ctx, vu) does one. */
export const IMPLEMENTATIONS = {
  client_credentials: { iteration: (ctx) => clientCredentials(ctx) },
  client_credentials_128: { iteration: (ctx) => clientCredentials(ctx) },
  refresh_token: {
    // Each virtual user starts its own chain (a sign-in asking for offline_access) and keeps it.
    prepare: async (ctx, vus) => {
      for (let i = 0; i < vus.length; i += 8) {
        await Promise.all(
          vus.slice(i, i + 8).map(async (vu) => {
            const { code, verifier } = await login(ctx, new CookieJar(), vu, { offline: true });
            const body = await redeem(ctx, code, verifier);
            if (!body.refresh_token) {
              throw new Error(`${ctx.name}: no refresh token (${body.scope})`);
            }
            vu.refreshToken = body.refresh_token;
          }),
        );
      }
    },
    iteration: async (ctx, vu) => {
      const body = await tokenRequest(ctx, ctx.clients.web, {
        grant_type: 'refresh_token',
        refresh_token: vu.refreshToken,
      });
      if (!body.refresh_token) throw new Error('no rotated refresh token');
      vu.refreshToken = body.refresh_token;
    },
  },
  code_flow_sso: {
    prepare: withSessions,
    iteration: async (ctx, vu) => {
      const body = await codeFlow(ctx, vu.jar);
      if (!body.access_token || !body.id_token) throw new Error('no access or id token');
    },
  },
  introspection: {
    prepare: async (ctx, vus) => {
      await Promise.all(
        vus.map(async (vu) => {
          vu.accessToken = (await clientCredentials(ctx, ctx.introspectionResource)).access_token;
        }),
      );
    },
    iteration: async (ctx, vu) => {
      const res = await ctx.http('POST', ctx.endpoints.introspection_endpoint, {
        headers: { ...basic(ctx.clients.machine), ...FORM },
        body: form({ token: vu.accessToken, token_type_hint: 'access_token' }),
      });
      expectStatus(res, 200);
      if (JSON.parse(res.text).active !== true) throw new Error('introspection: not active');
    },
  },
  jwks: {
    iteration: async (ctx) => expectStatus(await ctx.http('GET', ctx.endpoints.jwks_uri), 200),
  },
  discovery: {
    iteration: async (ctx) =>
      expectStatus(await ctx.http('GET', '/.well-known/openid-configuration'), 200),
  },
  password_login: {
    iteration: async (ctx, vu) => {
      await login(ctx, new CookieJar(), vu);
    },
  },
};

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function form(params) {
  return new URLSearchParams(params).toString();
}

function basic(client) {
  const pair = `${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret)}`;
  return { authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
}

function expectStatus(res, status) {
  if (res.status !== status) {
    throw new Error(`HTTP ${res.status} (expected ${status}): ${res.text.slice(0, 200)}`);
  }
}

async function clientCredentials(ctx, resource = ctx.resource.identifier) {
  return tokenRequest(ctx, ctx.clients.machine, {
    grant_type: 'client_credentials',
    scope: ctx.resource.scopes.join(' '),
    resource,
  });
}

async function tokenRequest(ctx, client, params) {
  const res = await ctx.http('POST', ctx.endpoints.token_endpoint, {
    headers: { ...basic(client), ...FORM },
    body: form(params),
  });
  expectStatus(res, 200);
  return JSON.parse(res.text);
}

/** A signed-in session per virtual user (set up once per target, before any measured round). */
async function withSessions(ctx, vus) {
  ctx.sessions ??= [];
  while (ctx.sessions.length < vus.length) {
    const batch = vus
      .slice(ctx.sessions.length, ctx.sessions.length + 8)
      .map((vu) => login(ctx, new CookieJar(), vu).then((r) => r.jar));
    ctx.sessions.push(...(await Promise.all(batch)));
  }
  vus.forEach((vu, i) => (vu.jar = ctx.sessions[i]));
}

/**
 * The code flow scenarios ask for `openid` and the API scope: an ID token and a JWT access token,
 * and no refresh token (without offline_access neither side issues one). The refresh scenario's
 * sign-ins add offline_access; oidc-provider honours it only with prompt=consent (OpenID Connect
 * Core §11), Latchkey for a skip_consent client without it (docs/architecture.md §3).
 */
function authorizationRequest(ctx, { offline = false } = {}) {
  const verifier = randomBytes(32).toString('base64url');
  const params = {
    response_type: 'code',
    client_id: ctx.clients.web.client_id,
    redirect_uri: ctx.redirectUri,
    scope: `openid ${offline ? 'offline_access ' : ''}${ctx.resource.scopes.join(' ')}`,
    ...(offline && ctx.name === 'oidc-provider' ? { prompt: 'consent' } : {}),
    resource: ctx.resource.identifier,
    state: randomBytes(12).toString('base64url'),
    nonce: randomBytes(12).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  };
  return { url: `${ctx.endpoints.authorization_endpoint}?${form(params)}`, verifier };
}

/** The code in a redirect to the client, or undefined when `location` goes elsewhere. */
function codeFrom(ctx, location) {
  if (!location.startsWith(ctx.redirectUri)) return undefined;
  const url = new URL(location);
  const code = url.searchParams.get('code');
  if (!code) throw new Error(`redirected without a code: ${url.search.slice(0, 200)}`);
  return code;
}

/** SSO code flow: authorize with the session (no page), then the code at the token endpoint. */
async function codeFlow(ctx, jar) {
  const { url, verifier } = authorizationRequest(ctx);
  const res = await ctx.http('GET', url, { headers: { cookie: jar.header() } });
  jar.store(res.headers);
  const location = res.headers.location;
  if (res.status < 300 || res.status > 303 || !location) expectStatus(res, 303);
  const code = codeFrom(ctx, new URL(location, ctx.issuer).toString());
  if (!code) throw new Error(`authorize did not answer with a code: ${location.slice(0, 120)}`);
  return redeem(ctx, code, verifier);
}

function redeem(ctx, code, verifier) {
  return tokenRequest(ctx, ctx.clients.web, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: ctx.redirectUri,
    code_verifier: verifier,
  });
}

/**
 * A browser's sign-in: authorize without a session, the login page, its form posted with the
 * password, then every redirect until the one to the client with a code. Answers the code and
 * the jar, which now holds the SSO session.
 */
async function login(ctx, jar, vu, { offline = false } = {}) {
  const user = ctx.users[vu.i % ctx.users.length];
  const { url, verifier } = authorizationRequest(ctx, { offline });
  let res = await ctx.http('GET', url, { headers: { cookie: jar.header() } });
  let current = new URL(url, ctx.issuer).toString();
  let posted = false;
  for (let hop = 0; hop < 10; hop++) {
    jar.store(res.headers);
    const location = res.headers.location;
    if (res.status >= 300 && res.status < 400 && location) {
      const target = new URL(location, current).toString();
      const code = codeFrom(ctx, target);
      if (code) return { code, verifier, jar };
      current = target;
      res = await ctx.http('GET', target, { headers: { cookie: jar.header() } });
      continue;
    }
    expectStatus(res, 200);
    if (posted) throw new Error('the login form came back after the password was posted');
    const page = loginForm(res.text, current);
    const body = new URLSearchParams(page.hidden);
    body.set('username', user.username);
    body.set('password', user.password);
    res = await ctx.http('POST', page.action, {
      headers: { ...FORM, cookie: jar.header(), origin: new URL(ctx.issuer).origin },
      body: body.toString(),
    });
    current = page.action;
    posted = true;
  }
  throw new Error('no redirect to the client after 10 hops');
}

/** The first form of a page with `username` and `password` inputs: its action and other fields. */
function loginForm(html, pageUrl) {
  const match = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!match || !/name=["']?password/.test(match[2])) {
    throw new Error(`no login form: ${html.slice(0, 200)}`);
  }
  const attr = (tag, name) =>
    decode(
      new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i')
        .exec(tag)
        ?.slice(1)
        .find((v) => v !== undefined) ?? '',
    );
  const hidden = {};
  for (const [tag] of match[2].matchAll(/<input\b[^>]*>/gi)) {
    const name = attr(tag, 'name');
    if (name && name !== 'username' && name !== 'password') hidden[name] = attr(tag, 'value');
  }
  return { action: new URL(attr(match[1], 'action') || pageUrl, pageUrl).toString(), hidden };
}

function decode(text) {
  return text
    .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The issuer's cookies: name → value from Set-Cookie; Max-Age=0 or a past Expires deletes. */
export class CookieJar {
  cookies = new Map();

  store(headers) {
    let lines = headers['set-cookie'];
    if (!lines) return;
    if (!Array.isArray(lines)) lines = [lines];
    for (const line of lines) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const expired = attributes.some(
        (a) =>
          /^\s*max-age\s*=\s*0\s*$/i.test(a) ||
          (/^\s*expires\s*=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now()),
      );
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1).trim());
    }
  }

  header() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}
