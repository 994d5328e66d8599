import { computeS256Challenge, randomToken } from '@latchkey/oauth';
import { callPlatform } from './http-call';
import { FLOW_SCOPES, type TestClient } from './provisioning';
import { HeadlessUserAgent } from './user-agent';

/** Everything one authorization code flow handled, secrets included (for the log checks). */
export interface CodeFlowResult {
  code: string;
  code_verifier: string;
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  /** The request id (`x-request-id`) the platform answered the code exchange with. */
  tokenRequestId: string | null;
}

/**
 * The authorization request with PKCE through the login and consent pages, up to the code at the
 * client's redirect URI (not yet redeemed), with the verifier that redeems it.
 */
export async function authorizationCode(
  issuer: string,
  agent: HeadlessUserAgent,
  client: TestClient,
  scopes: readonly string[] = FLOW_SCOPES,
): Promise<{ code: string; code_verifier: string }> {
  const verifier = randomToken(32);
  const url = new URL(`${issuer}/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: client.redirect_uri,
    scope: scopes.join(' '),
    state: randomToken(16),
    nonce: randomToken(16),
    code_challenge: computeS256Challenge(verifier),
    code_challenge_method: 'S256',
  }).toString();
  const callback = await agent.authorize(url, { redirectUri: client.redirect_uri });
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code in the callback: ${callback.toString()}`);
  return { code, code_verifier: verifier };
}

/**
 * The authorization code flow with PKCE through the login and consent pages, then the code
 * exchange at `/token` with the client's Basic credentials (or its client_id when public), at the
 * issuer or at `tokenOrigin` (where an ingress would route `/token`).
 */
export async function runCodeFlow(
  issuer: string,
  agent: HeadlessUserAgent,
  client: TestClient,
  scopes: readonly string[] = FLOW_SCOPES,
  tokenOrigin: string = issuer,
): Promise<CodeFlowResult> {
  const { code, code_verifier: verifier } = await authorizationCode(issuer, agent, client, scopes);
  const form: Record<string, string> = {
    grant_type: 'authorization_code',
    code,
    redirect_uri: client.redirect_uri,
    code_verifier: verifier,
  };
  const secret = client.client_secret;
  const answer = await callPlatform(tokenOrigin, 'POST', '/token', {
    ...(secret !== undefined
      ? { basic: { id: client.client_id, secret } }
      : { form: { ...form, client_id: client.client_id } }),
    ...(secret !== undefined ? { form } : {}),
  });
  if (answer.status !== 200) throw new Error(`code exchange: ${answer.status} ${answer.text}`);
  return {
    ...(answer.body as Omit<CodeFlowResult, 'code' | 'code_verifier' | 'tokenRequestId'>),
    tokenRequestId: answer.headers.get('x-request-id'),
    code,
    code_verifier: verifier,
  };
}
