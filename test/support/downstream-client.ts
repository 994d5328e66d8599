import { computeS256Challenge, randomToken } from '@latchkey/oauth';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { callPlatform } from './http-call';

/**
 * A downstream client of Latchkey in the sign-in tests (upstream identity providers, LDAP): its
 * authorization request with PKCE and a nonce, and the code it got redeemed at /token, the ID
 * Token verified with Latchkey's keys and userinfo read with the access token.
 */
export interface DownstreamClient {
  client_id: string;
  client_secret: string;
  redirect_uri: string;
}

export interface DownstreamRequest {
  url: string;
  verifier: string;
  nonce: string;
}

export function downstreamAuthorizationRequest(
  issuer: string,
  client: DownstreamClient,
  scope: string,
  extra: Record<string, string> = {},
): DownstreamRequest {
  const verifier = randomToken(32);
  const nonce = randomToken(16);
  const url = new URL(`${issuer}/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: client.redirect_uri,
    scope,
    state: randomToken(16),
    nonce,
    code_challenge: computeS256Challenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  return { url: url.toString(), verifier, nonce };
}

export async function redeemDownstreamCode(
  issuer: string,
  client: DownstreamClient,
  callback: URL,
  request: Pick<DownstreamRequest, 'verifier' | 'nonce'>,
): Promise<{ idToken: JWTPayload; userinfo: Record<string, unknown> }> {
  expect(callback.searchParams.get('iss')).toBe(issuer);
  const answer = await callPlatform(issuer, 'POST', '/token', {
    basic: { id: client.client_id, secret: client.client_secret },
    form: {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code')!,
      redirect_uri: client.redirect_uri,
      code_verifier: request.verifier,
    },
  });
  expect(answer.status).toBe(200);
  const keys = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
  const { payload } = await jwtVerify(answer.body.id_token as string, keys, {
    issuer,
    audience: client.client_id,
  });
  expect(payload.nonce).toBe(request.nonce);
  const userinfo = await callPlatform(issuer, 'GET', '/userinfo', {
    token: answer.body.access_token as string,
  });
  expect(userinfo.status).toBe(200);
  return { idToken: payload, userinfo: userinfo.body };
}
