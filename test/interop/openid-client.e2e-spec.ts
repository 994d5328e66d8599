import * as client from 'openid-client';
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
 * The authorization code flow driven by a real relying party, openid-client v6, in both run
 * modes: discovery, PKCE, the login and consent pages (a headless user agent), the code redeemed
 * with strict checks (state, nonce, the RFC 9207 `iss` parameter, the id_token's signature against
 * the JWKS), userinfo for the same subject, and refresh token rotation; for a client of each
 * token endpoint authentication method.
 */
jest.setTimeout(60_000);

const SCOPE = FLOW_SCOPES.join(' ');

function clientAuthOf(c: TestClient): client.ClientAuth {
  switch (c.token_endpoint_auth_method) {
    case 'client_secret_basic':
      return client.ClientSecretBasic(c.client_secret);
    case 'client_secret_post':
      return client.ClientSecretPost(c.client_secret);
    case 'none':
      return client.None();
  }
}

/** Discovery as an app would do it; http is refused unless allowed (the issuer is loopback). */
function discover(issuer: string, c: TestClient): Promise<client.Configuration> {
  return client.discovery(
    new URL(issuer),
    c.client_id,
    c.client_secret === undefined ? undefined : { client_secret: c.client_secret },
    clientAuthOf(c),
    { execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks] },
  );
}

interface Authorization {
  callback: URL;
  verifier: string;
  state: string;
  nonce: string;
}

async function authorize(
  config: client.Configuration,
  agent: HeadlessUserAgent,
  redirectUri: string,
): Promise<Authorization> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: SCOPE,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  const callback = await agent.authorize(url, { redirectUri });
  return { callback, verifier, state, nonce };
}

function redeem(config: client.Configuration, { callback, verifier, state, nonce }: Authorization) {
  return client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
}

describeEachMode('openid-client v6', (platform) => {
  let issuer: string;
  let redirectUri: string;
  let alice: TestUser;
  let admin: PlatformAdmin;
  const clients = new Map<ClientKind, TestClient>();

  beforeAll(async () => {
    issuer = platform().issuer;
    admin = await PlatformAdmin.connect(platform());
    redirectUri = loopbackRedirectUri(await freePort());
    alice = await admin.createUser('alice');
    for (const kind of CLIENT_KINDS) {
      clients.set(kind, await admin.createClient(kind, { redirectUri }));
    }
  });

  it('discovers the issuer, which announces the iss authorization response parameter', async () => {
    const config = await discover(issuer, clients.get('client_secret_basic')!);
    const metadata = config.serverMetadata();
    expect(metadata).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/userinfo`,
      authorization_response_iss_parameter_supported: true,
      code_challenge_methods_supported: ['S256'],
    });
    expect(metadata.grant_types_supported).toEqual(
      expect.arrayContaining(['authorization_code', 'refresh_token']),
    );
  });

  describe.each(CLIENT_KINDS)('a %s client', (kind) => {
    let c: TestClient;
    let config: client.Configuration;
    let tokens: Awaited<ReturnType<typeof redeem>>;

    beforeAll(async () => {
      c = clients.get(kind)!;
      config = await discover(issuer, c);
    });

    it('signs in through the login and consent pages and redeems the code with PKCE', async () => {
      const agent = new HeadlessUserAgent(alice);
      const authorization = await authorize(config, agent, redirectUri);
      expect(agent.pagesSeen).toEqual(['login', 'consent']);
      expect(authorization.callback.searchParams.get('iss')).toBe(issuer);
      expect(authorization.callback.searchParams.get('state')).toBe(authorization.state);

      tokens = await redeem(config, authorization);
      expect(tokens.token_type).toBe('bearer');
      expect(tokens.expires_in).toEqual(expect.any(Number));
      expect(scopeList(tokens.scope)).toEqual([...FLOW_SCOPES].sort());
      expect(tokens.refresh_token).toEqual(expect.any(String));
      const claims = tokens.claims()!;
      expect(claims).toMatchObject({ iss: issuer, sub: alice.id, nonce: authorization.nonce });
      expect([claims.aud].flat()).toEqual([c.client_id]);
      expect(claims.auth_time).toEqual(expect.any(Number));
    });

    it('reads userinfo for the same subject with the access token', async () => {
      const userinfo = await client.fetchUserInfo(config, tokens.access_token, alice.id);
      expect(userinfo).toMatchObject({
        sub: alice.id,
        name: alice.name,
        preferred_username: alice.username,
        email: alice.email,
        email_verified: true,
      });
    });

    it('gets an RFC 9068 access token that verifies against the JWKS', async () => {
      const claims = await verifyAccessToken(tokens.access_token, {
        issuer,
        jwksUri: config.serverMetadata().jwks_uri!,
      });
      expect(claims).toMatchObject({ sub: alice.id, client_id: c.client_id });
      expect(scopeList(claims.scope)).toEqual([...FLOW_SCOPES].sort());
    });

    it('rotates the refresh token: a prompt retry gets the same one; an older generation revokes the grant', async () => {
      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
      expect(refreshed.refresh_token).toEqual(expect.any(String));
      expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
      expect(refreshed.access_token).not.toBe(tokens.access_token);
      // openid is in the grant: a new id_token for the same user (validated by the library).
      expect(refreshed.claims()).toMatchObject({ iss: issuer, sub: alice.id });
      expect((await client.fetchUserInfo(config, refreshed.access_token, alice.id)).sub).toBe(
        alice.id,
      );

      // A retry whose answer was lost, within the reuse window: the same successor again.
      const retried = await client.refreshTokenGrant(config, tokens.refresh_token!);
      expect(retried.refresh_token).toBe(refreshed.refresh_token);
      const newer = await client.refreshTokenGrant(config, refreshed.refresh_token!);
      expect(newer.refresh_token).not.toBe(refreshed.refresh_token);

      // The first token again, now two generations old: reuse (docs/architecture.md §3), which
      // revokes the grant, so the newest one is dead too.
      await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
        error: 'invalid_grant',
        status: 400,
      });
      await expect(client.refreshTokenGrant(config, newer.refresh_token!)).rejects.toMatchObject({
        error: 'invalid_grant',
        status: 400,
      });
    });
  });

  it('refuses a second redemption of a code and revokes what the first one issued', async () => {
    // A first-party client: no consent page, and offline_access without asking.
    const firstParty = await admin.createClient('client_secret_basic', {
      redirectUri,
      name: 'First-party app',
      skipConsent: true,
    });
    const config = await discover(issuer, firstParty);
    const agent = new HeadlessUserAgent(alice);
    const authorization = await authorize(config, agent, redirectUri);
    expect(agent.pagesSeen).toEqual(['login']);

    const first = await redeem(config, authorization);
    expect(first.refresh_token).toEqual(expect.any(String));
    await expect(redeem(config, authorization)).rejects.toMatchObject({
      error: 'invalid_grant',
      status: 400,
    });
    await expect(client.refreshTokenGrant(config, first.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('answers a wrong client secret with 401 invalid_client and the Basic challenge', async () => {
    const basic = clients.get('client_secret_basic')!;
    const config = await discover(issuer, { ...basic, client_secret: 'not-the-secret' });
    const authorization = await authorize(config, new HeadlessUserAgent(alice), redirectUri);
    const failure = await redeem(config, authorization).then(
      () => undefined,
      (err: unknown) => err,
    );
    // The library reports the challenge first; the body still carries the RFC 6749 error.
    expect(failure).toBeInstanceOf(client.WWWAuthenticateChallengeError);
    const challenge = failure as client.WWWAuthenticateChallengeError;
    expect(challenge.status).toBe(401);
    expect(challenge.cause).toEqual([{ scheme: 'basic', parameters: { realm: issuer } }]);
    expect(await challenge.response.json()).toMatchObject({ error: 'invalid_client' });
  });
});
