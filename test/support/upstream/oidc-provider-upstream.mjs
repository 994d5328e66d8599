/**
 * An upstream OpenID Connect provider for the identity-provider tests: node-oidc-provider 9 on
 * loopback, with one client (Latchkey) and one account that is signed in without a form as soon as
 * the interaction starts (the test is about Latchkey's side of the upstream leg, not this login).
 *
 * Environment: PORT; UPSTREAM_CLIENT (JSON: client_id, client_secret, redirect_uris);
 * UPSTREAM_JWT_CLIENT (optional JSON: client_id, redirect_uris, jwks): a second client that
 * authenticates with private_key_jwt; UPSTREAM_ACCOUNT (JSON: the account's claims, `sub`
 * included). Prints `ready` once it listens.
 */
import Provider from 'oidc-provider';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const client = JSON.parse(process.env.UPSTREAM_CLIENT);
const jwtClient = process.env.UPSTREAM_JWT_CLIENT
  ? JSON.parse(process.env.UPSTREAM_JWT_CLIENT)
  : undefined;
const account = JSON.parse(process.env.UPSTREAM_ACCOUNT);

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'upstream-rs256', use: 'sig' };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: client.client_id,
      client_secret: client.client_secret,
      redirect_uris: client.redirect_uris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    ...(jwtClient
      ? [
          {
            client_id: jwtClient.client_id,
            redirect_uris: jwtClient.redirect_uris,
            grant_types: ['authorization_code'],
            response_types: ['code'],
            token_endpoint_auth_method: 'private_key_jwt',
            jwks: jwtClient.jwks,
          },
        ]
      : []),
  ],
  jwks: { keys: [signingKey] },
  scopes: ['openid', 'profile', 'email'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username', 'groups'],
  },
  findAccount: async (_ctx, sub) =>
    sub === account.sub ? { accountId: sub, claims: async () => ({ ...account }) } : undefined,
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  loadExistingGrant: async (ctx) => {
    const { client: rp, session } = ctx.oidc;
    const grantId = session.grantIdFor(rp.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: rp.clientId,
      accountId: session.accountId,
    });
    grant.addOIDCScope('openid profile email');
    await grant.save();
    return grant;
  },
  // Every granted claim in the ID Token as well, as many providers do.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
});
const callback = provider.callback();

const server = createServer((req, res) => {
  const match = /^\/interaction\/([\w-]+)$/.exec(req.url.split('?')[0]);
  if (!match) return callback(req, res);
  // The account signs in at once.
  provider
    .interactionFinished(
      req,
      res,
      { login: { accountId: account.sub } },
      { mergeWithLastSubmission: false },
    )
    .catch((err) => {
      console.error(err);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
});
server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
