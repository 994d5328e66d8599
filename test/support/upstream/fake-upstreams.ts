import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenOnLoopback } from '../callback-server';

/**
 * Upstream identity providers on loopback, written for the tests so that they can misbehave on
 * purpose: an OpenID Connect provider whose ID Tokens can be made wrong one way at a time, and a
 * GitHub-style OAuth 2.0 provider (no OpenID Connect: a profile API with a numeric `id`).
 * Each signs the user in at once at its authorization endpoint.
 */

/** What is wrong with the next ID Token (or the authorization response), if anything. */
export type IdTokenDefect =
  'none' | 'nonce' | 'issuer' | 'audience' | 'signature' | 'expired' | 'iss_parameter';

export interface FakeOidcUpstream {
  issuer: string;
  clientId: string;
  clientSecret: string;
  defect: IdTokenDefect;
  claims: Record<string, unknown>;
  /** The token requests received, form and Authorization header. */
  tokenRequests: { form: URLSearchParams; authorization?: string }[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return body;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** Authorization codes handed out, with what the request bound to them. */
interface IssuedCode {
  nonce?: string;
  redirectUri: string;
  codeChallenge: string;
}

export async function startFakeOidcUpstream(
  claims: Record<string, unknown>,
): Promise<FakeOidcUpstream> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const other = await generateKeyPair('ES256');
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const codes = new Map<string, IssuedCode>();
  const upstream: FakeOidcUpstream = {
    issuer: '',
    clientId: 'latchkey-at-fake',
    clientSecret: randomBytes(24).toString('base64url'),
    defect: 'none',
    claims,
    tokenRequests: [],
    close: async () => undefined,
  };
  const sign = (payload: Record<string, unknown>, key: CryptoKey) =>
    new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(key);

  const server = await listenOnLoopback((req, res) => {
    const url = new URL(req.url ?? '/', upstream.issuer);
    void (async () => {
      if (url.pathname === '/.well-known/openid-configuration') {
        return json(res, 200, {
          issuer: upstream.issuer,
          authorization_endpoint: `${upstream.issuer}/authorize`,
          token_endpoint: `${upstream.issuer}/token`,
          userinfo_endpoint: `${upstream.issuer}/userinfo`,
          jwks_uri: `${upstream.issuer}/jwks`,
        });
      }
      if (url.pathname === '/jwks') return json(res, 200, { keys: [publicJwk] });
      if (url.pathname === '/authorize') {
        const code = randomBytes(16).toString('base64url');
        codes.set(code, {
          nonce: url.searchParams.get('nonce') ?? undefined,
          redirectUri: url.searchParams.get('redirect_uri')!,
          codeChallenge: url.searchParams.get('code_challenge')!,
        });
        const back = new URL(url.searchParams.get('redirect_uri')!);
        back.searchParams.set('code', code);
        back.searchParams.set('state', url.searchParams.get('state') ?? '');
        back.searchParams.set(
          'iss',
          upstream.defect === 'iss_parameter' ? 'https://mix-up.example.test' : upstream.issuer,
        );
        res.writeHead(302, { location: back.toString() });
        return res.end();
      }
      if (url.pathname === '/token' && req.method === 'POST') {
        const form = new URLSearchParams(await readBody(req));
        upstream.tokenRequests.push({ form, authorization: req.headers.authorization });
        const issued = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        if (!issued || issued.redirectUri !== form.get('redirect_uri')) {
          return json(res, 400, { error: 'invalid_grant' });
        }
        const now = Math.floor(Date.now() / 1000);
        const idToken = await sign(
          {
            ...upstream.claims,
            iss:
              upstream.defect === 'issuer' ? 'https://someone-else.example.test' : upstream.issuer,
            aud: upstream.defect === 'audience' ? 'another-client' : upstream.clientId,
            iat: now - (upstream.defect === 'expired' ? 7200 : 0),
            exp: now + (upstream.defect === 'expired' ? -3600 : 300),
            nonce: upstream.defect === 'nonce' ? 'not-the-nonce' : issued.nonce,
          },
          upstream.defect === 'signature' ? other.privateKey : privateKey,
        );
        return json(res, 200, {
          access_token: randomBytes(16).toString('base64url'),
          token_type: 'Bearer',
          expires_in: 300,
          id_token: idToken,
        });
      }
      if (url.pathname === '/userinfo') return json(res, 200, { sub: upstream.claims.sub });
      res.writeHead(404).end();
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  upstream.issuer = server.origin;
  upstream.close = server.close;
  return upstream;
}

export interface FakeOAuth2Upstream {
  origin: string;
  clientId: string;
  clientSecret: string;
  profile: Record<string, unknown>;
  close(): Promise<void>;
}

/** GitHub-style: /login/oauth/authorize, /login/oauth/access_token, /user with a numeric id. */
export async function startFakeOAuth2Upstream(
  profile: Record<string, unknown>,
): Promise<FakeOAuth2Upstream> {
  const codes = new Set<string>();
  const tokens = new Set<string>();
  const upstream: FakeOAuth2Upstream = {
    origin: '',
    clientId: 'latchkey-at-oauth2',
    clientSecret: randomBytes(24).toString('base64url'),
    profile,
    close: async () => undefined,
  };
  const server = await listenOnLoopback((req, res) => {
    const url = new URL(req.url ?? '/', upstream.origin);
    void (async () => {
      if (url.pathname === '/login/oauth/authorize') {
        const code = randomBytes(16).toString('base64url');
        codes.add(code);
        const back = new URL(url.searchParams.get('redirect_uri')!);
        back.searchParams.set('code', code);
        back.searchParams.set('state', url.searchParams.get('state') ?? '');
        res.writeHead(302, { location: back.toString() });
        return res.end();
      }
      if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
        const form = new URLSearchParams(await readBody(req));
        const code = form.get('code') ?? '';
        if (
          !codes.delete(code) ||
          form.get('client_id') !== upstream.clientId ||
          form.get('client_secret') !== upstream.clientSecret
        ) {
          return json(res, 400, { error: 'bad_verification_code' });
        }
        const token = randomBytes(16).toString('base64url');
        tokens.add(token);
        return json(res, 200, { access_token: token, token_type: 'bearer', scope: 'read:user' });
      }
      if (url.pathname === '/user') {
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (!token || !tokens.has(token)) return json(res, 401, { message: 'Bad credentials' });
        return json(res, 200, upstream.profile);
      }
      res.writeHead(404).end();
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  upstream.origin = server.origin;
  upstream.close = server.close;
  return upstream;
}
