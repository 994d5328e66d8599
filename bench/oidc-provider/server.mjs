/**
 * The peer of the benchmark: node-oidc-provider 9 in one process, configured at its fastest for
 * the same work Latchkey does in the scenarios (docs/performance.md):
 *  - the in-memory adapter (no database, no cache server: the upper bound of what it can do);
 *  - RS256 with one 2048-bit key, as Latchkey signs by default;
 *  - JWT access tokens (RFC 9068): in v9 a token is a JWT when it is issued for a resource server
 *    whose `accessTokenFormat` is 'jwt', so the resource indicators feature is on and every bench
 *    client's tokens go to the bench API resource;
 *  - refresh tokens rotated on every use, PKCE (S256), client_credentials, introspection and
 *    revocation;
 *  - devInteractions off: a minimal login form of our own whose POST checks an argon2id hash with
 *    Latchkey's parameters, so a password login costs both sides the same hash;
 *  - consent granted without a page for the bench clients (as Latchkey's `skip_consent`), through
 *    loadExistingGrant, the documented way to skip it for first-party clients.
 *
 * Clients, the user and the resource come from the JSON file named by BENCH_PEER_SETUP (written by
 * the harness, which provisions Latchkey with the same values through its admin API); the port
 * from PORT. It prints `ready` on stdout once it listens.
 */
import Provider, { errors } from 'oidc-provider';
import argon2 from 'argon2';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const setup = JSON.parse(readFileSync(process.env.BENCH_PEER_SETUP, 'utf8'));
const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;

/** Latchkey's ARGON2_PARAMETERS (apps/gateway/src/users/password.hasher.ts). */
const ARGON2 = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

const users = new Map();
for (const [i, { username, password }] of setup.users.entries()) {
  users.set(username, {
    id: `user-${i}`,
    username,
    passwordHash: await argon2.hash(password, ARGON2),
  });
}
const accounts = new Map([...users.values()].map((user) => [user.id, user]));

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-rs256', use: 'sig' };

/** Everything the bench's API resource answers to getResourceServerInfo. */
const resourceServer = {
  scope: setup.resource.scopes.join(' '),
  audience: setup.resource.identifier,
  accessTokenFormat: 'jwt',
  accessTokenTTL: 3600,
  jwt: { sign: { alg: 'RS256' } },
};

/**
 * A second resource server with opaque access tokens, for the introspection scenario only:
 * oidc-provider 9 refuses to introspect its JWT access tokens ("Structured JWT Tokens cannot be
 * introspected via the introspection_endpoint"), so there it introspects opaque ones, a lookup
 * in its in-memory store (docs/performance.md says so beside the figure).
 */
const opaqueResourceServer = {
  ...resourceServer,
  audience: setup.opaqueResource,
  accessTokenFormat: 'opaque',
  jwt: undefined,
};

const configuration = {
  // No `adapter`: the built-in in-memory adapter.
  clients: setup.clients.map((client) => ({
    client_id: client.client_id,
    client_secret: client.client_secret,
    grant_types: client.grant_types,
    response_types: client.response_types,
    redirect_uris: client.redirect_uris,
    token_endpoint_auth_method: 'client_secret_basic',
    // Only the OpenID Connect scopes: in oidc-provider a client's `scope` allow-list is checked
    // against `scopes`, and an API's scopes are the resource server's (getResourceServerInfo).
    scope:
      client.scope
        .split(' ')
        .filter((scope) => !setup.resource.scopes.includes(scope))
        .join(' ') || undefined,
  })),
  jwks: { keys: [signingKey] },
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  findAccount: async (_ctx, sub) => {
    const user = accounts.get(sub);
    if (!user) return undefined;
    return {
      accountId: sub,
      claims: async () => ({
        sub,
        email: `${user.username}@example.test`,
        email_verified: true,
        name: user.username,
      }),
    };
  },
  cookies: { keys: [setup.cookieKey] },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  // Consent without a page for the bench's (first-party) clients, like Latchkey's skip_consent.
  loadExistingGrant: async (ctx) => {
    const { client, session } = ctx.oidc;
    const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: client.clientId,
      accountId: session.accountId,
    });
    grant.addOIDCScope('openid offline_access profile email');
    grant.addResourceScope(setup.resource.identifier, resourceServer.scope);
    await grant.save();
    return grant;
  },
  pkce: { required: () => true },
  rotateRefreshToken: true,
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (_ctx, _client, oneOf) => oneOf ?? setup.resource.identifier,
      // Token requests without `resource` get the granted one, as at Latchkey (docs/architecture.md §3).
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, resourceIndicator) => {
        if (resourceIndicator === setup.resource.identifier) return resourceServer;
        if (resourceIndicator === setup.opaqueResource) return opaqueResourceServer;
        throw new errors.InvalidTarget();
      },
    },
  },
};

const provider = new Provider(issuer, configuration);
const callback = provider.callback();

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

/**
 * GET /interaction/:uid: the login form, or for a consent prompt the consent given at once.
 * POST /interaction/:uid/login: check the password.
 */
async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('unknown interaction');
    return;
  }
  if (details.prompt.name === 'consent') {
    // Only when a request says prompt=consent: oidc-provider honours offline_access only then
    // (OpenID Connect Core §11), so the bench's refresh-token chains start here, unmeasured.
    await provider.interactionFinished(
      req,
      res,
      { consent: { grantId: await grantConsent(details) } },
      { mergeWithLastSubmission: true },
    );
    return;
  }
  if (req.method === 'GET' && !action) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(
      `<!doctype html><title>Sign in</title><form method="post" action="/interaction/${escapeHtml(uid)}/login">` +
        '<input name="username" autocomplete="username"><input name="password" type="password">' +
        '<button type="submit">Sign in</button></form>',
    );
    return;
  }
  if (req.method === 'POST' && action === 'login') {
    const form = await readForm(req);
    const user = users.get(form.get('username'));
    if (!user || !(await argon2.verify(user.passwordHash, form.get('password') ?? ''))) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('wrong credentials');
      return;
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: user.id, amr: ['pwd'] } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  res.writeHead(405).end();
}

async function grantConsent({ grantId, params, session, prompt }) {
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
  if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
  if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  return grant.save();
}

const server = createServer((req, res) => {
  const match = /^\/interaction\/([\w-]+)(?:\/(login))?$/.exec(req.url.split('?')[0]);
  if (!match) return callback(req, res);
  interaction(req, res, match[1], match[2]).catch((err) => {
    console.error(err);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});
server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
