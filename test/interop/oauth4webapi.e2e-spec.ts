import * as oauth from 'oauth4webapi';
import { scopeList, verifyAccessToken } from '../support/access-token';
import { describeEachMode } from '../support/platform';
import { freePort } from '../support/processes';
import {
  CLIENT_KINDS,
  FLOW_SCOPES,
  loopbackRedirectUri,
  PlatformAdmin,
  type ClientKind,
  type TestClient,
  type TestUser,
} from '../support/provisioning';
import { HeadlessUserAgent } from '../support/user-agent';

/**
 * The authorization code flow driven by a real relying party, oauth4webapi v3, in both run
 * modes: discovery, PKCE, the login and consent pages (a headless user agent), the authorization
 * response validated (state and the RFC 9207 `iss` parameter), the code redeemed with the id_token
 * checked (nonce, claims, signature against the JWKS), userinfo for the same subject, the access
 * token validated as a resource server would (RFC 9068), and refresh token rotation; for a client
 * of each token endpoint authentication method.
 */
jest.setTimeout(60_000);

const SCOPE = FLOW_SCOPES.join(' ');
/** The issuer is loopback http: every request must be allowed to be insecure. */
const HTTP = { [oauth.allowInsecureRequests]: true } as const;

function clientAuthOf(c: TestClient): oauth.ClientAuth {
  switch (c.token_endpoint_auth_method) {
    case 'client_secret_basic':
      return oauth.ClientSecretBasic(c.client_secret!);
    case 'client_secret_post':
      return oauth.ClientSecretPost(c.client_secret!);
    case 'none':
      return oauth.None();
  }
}

async function discover(issuer: string): Promise<oauth.AuthorizationServer> {
  const issuerUrl = new URL(issuer);
  const response = await oauth.discoveryRequest(issuerUrl, { algorithm: 'oidc', ...HTTP });
  return oauth.processDiscoveryResponse(issuerUrl, response);
}

interface Authorization {
  callback: URL;
  verifier: string;
  state: string;
  nonce: string;
}

async function authorize(
  as: oauth.AuthorizationServer,
  c: TestClient,
  agent: HeadlessUserAgent,
): Promise<Authorization> {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: c.client_id,
    redirect_uri: c.redirect_uri,
    scope: SCOPE,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  }).toString();
  const callback = await agent.authorize(url, { redirectUri: c.redirect_uri });
  return { callback, verifier, state, nonce };
}

/** The callback validated, the code redeemed, the id_token checked including its signature. */
async function redeem(
  as: oauth.AuthorizationServer,
  c: TestClient,
  { callback, verifier, state, nonce }: Authorization,
): Promise<oauth.TokenEndpointResponse> {
  const client: oauth.Client = { client_id: c.client_id };
  const params = oauth.validateAuthResponse(as, client, callback, state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    clientAuthOf(c),
    params,
    c.redirect_uri,
    verifier,
    HTTP,
  );
  const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
    expectedNonce: nonce,
    requireIdToken: true,
  });
  await oauth.validateApplicationLevelSignature(as, response, HTTP);
  return result;
}

async function refresh(
  as: oauth.AuthorizationServer,
  c: TestClient,
  refreshToken: string,
): Promise<oauth.TokenEndpointResponse> {
  const client: oauth.Client = { client_id: c.client_id };
  const response = await oauth.refreshTokenGrantRequest(
    as,
    client,
    clientAuthOf(c),
    refreshToken,
    HTTP,
  );
  return oauth.processRefreshTokenResponse(as, client, response);
}

describeEachMode('oauth4webapi v3', (platform) => {
  let issuer: string;
  let as: oauth.AuthorizationServer;
  let redirectUri: string;
  let bob: TestUser;
  let admin: PlatformAdmin;
  const clients = new Map<ClientKind, TestClient>();

  beforeAll(async () => {
    issuer = platform().issuer;
    admin = await PlatformAdmin.connect(platform());
    redirectUri = loopbackRedirectUri(await freePort());
    bob = await admin.createUser('bob');
    for (const kind of CLIENT_KINDS) {
      clients.set(kind, await admin.createClient(kind, { redirectUri }));
    }
    as = await discover(issuer);
  });

  it('discovers the issuer, which announces the iss authorization response parameter', () => {
    expect(as).toMatchObject({
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      authorization_response_iss_parameter_supported: true,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
    });
    expect(as.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(CLIENT_KINDS as ClientKind[]),
    );
  });

  describe.each(CLIENT_KINDS)('a %s client', (kind) => {
    let c: TestClient;
    let tokens: oauth.TokenEndpointResponse;

    beforeAll(() => {
      c = clients.get(kind)!;
    });

    it('signs in through the login and consent pages and redeems the code with PKCE', async () => {
      const agent = new HeadlessUserAgent(bob);
      const authorization = await authorize(as, c, agent);
      expect(agent.pagesSeen).toEqual(['login', 'consent']);
      expect(authorization.callback.searchParams.get('iss')).toBe(issuer);

      tokens = await redeem(as, c, authorization);
      expect(tokens.token_type).toBe('bearer');
      expect(scopeList(tokens.scope)).toEqual([...FLOW_SCOPES].sort());
      expect(tokens.refresh_token).toEqual(expect.any(String));
      const claims = oauth.getValidatedIdTokenClaims(tokens)!;
      expect(claims).toMatchObject({ iss: issuer, sub: bob.id, nonce: authorization.nonce });
      expect([claims.aud].flat()).toEqual([c.client_id]);
    });

    it('reads userinfo for the same subject with the access token', async () => {
      const client: oauth.Client = { client_id: c.client_id };
      const response = await oauth.userInfoRequest(as, client, tokens.access_token, HTTP);
      const userinfo = await oauth.processUserInfoResponse(as, client, bob.id, response);
      expect(userinfo).toMatchObject({
        sub: bob.id,
        name: bob.name,
        preferred_username: bob.username,
        email: bob.email,
        email_verified: true,
      });
    });

    it('gets an RFC 9068 access token that a resource server validates', async () => {
      // oauth4webapi's own resource-server check: typ at+jwt, signature, iss, aud, exp, claims.
      const request = new Request(as.userinfo_endpoint!, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      const validated = await oauth.validateJwtAccessToken(as, request, issuer, HTTP);
      expect(validated).toMatchObject({ iss: issuer, sub: bob.id, client_id: c.client_id });

      const claims = await verifyAccessToken(tokens.access_token, {
        issuer,
        jwksUri: as.jwks_uri!,
      });
      expect(claims).toMatchObject({ sub: bob.id, client_id: c.client_id });
      expect(scopeList(claims.scope)).toEqual([...FLOW_SCOPES].sort());
    });

    it('rotates the refresh token: a prompt retry gets the same one; an older generation revokes the grant', async () => {
      const refreshed = await refresh(as, c, tokens.refresh_token!);
      expect(refreshed.refresh_token).toEqual(expect.any(String));
      expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
      expect(refreshed.access_token).not.toBe(tokens.access_token);
      expect(oauth.getValidatedIdTokenClaims(refreshed)).toMatchObject({
        iss: issuer,
        sub: bob.id,
      });

      // A retry whose answer was lost, within the reuse window: the same successor again.
      const retried = await refresh(as, c, tokens.refresh_token!);
      expect(retried.refresh_token).toBe(refreshed.refresh_token);
      const newer = await refresh(as, c, refreshed.refresh_token!);
      expect(newer.refresh_token).not.toBe(refreshed.refresh_token);

      // The first token again, now two generations old: reuse (docs/architecture.md §3), which
      // revokes the grant, so the newest one is dead too.
      await expect(refresh(as, c, tokens.refresh_token!)).rejects.toMatchObject({
        error: 'invalid_grant',
        status: 400,
      });
      await expect(refresh(as, c, newer.refresh_token!)).rejects.toMatchObject({
        error: 'invalid_grant',
        status: 400,
      });
    });
  });

  it('redirects a denied consent with access_denied, state and iss, which the library reports', async () => {
    const c = await admin.createClient('none', { redirectUri, name: 'Declined app' });
    const agent = new HeadlessUserAgent(bob);
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: c.client_id,
      redirect_uri: c.redirect_uri,
      scope: 'openid',
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: 'S256',
      state,
    }).toString();
    const callback = await agent.authorize(url, { redirectUri, decision: 'deny' });
    expect(agent.pagesSeen).toEqual(['login', 'consent']);
    expect(callback.searchParams.get('code')).toBeNull();
    // The library checks iss and state before it reports the error.
    let failure: unknown;
    try {
      oauth.validateAuthResponse(as, { client_id: c.client_id }, callback, state);
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(oauth.AuthorizationResponseError);
    expect(failure).toMatchObject({ error: 'access_denied' });
  });
});
