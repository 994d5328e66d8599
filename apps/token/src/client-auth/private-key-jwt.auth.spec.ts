import { KvUnavailableError, MemoryKvStore, type KvStore } from '@latchkey/kv';
import { assertionSubject, InvalidClient } from '@latchkey/oauth';
import { OutboundHttp } from '@latchkey/platform';
import { createLocalJWKSet } from 'jose';
import {
  clientKey,
  hmacAssertion,
  jwksOf,
  signAssertion,
  startJwksServer,
  unsecuredAssertion,
  type ClientKey,
  type JwksServer,
} from '../fixtures/client-keys.fixture';
import { expectOAuthRejection } from '@latchkey/testing';
import { CLIENT_SECRET, clientRecord } from '../fixtures/registry.fixture';
import type { TokenClient } from '../clients/client-record';
import { ClientKeysResolver } from './client-keys.resolver';
import { authenticatePrivateKeyJwt } from './private-key-jwt.auth';

const ISSUER = 'https://id.example.com';
const CLIENT_ID = 'pkjwt-client';
/** The jwks_uri server of these tests listens on loopback, which the operator must allow. */
const LOOPBACK_ALLOWED = new OutboundHttp({
  policy: { allowPrivate: false, allowedCidrs: ['127.0.0.0/8'] },
});

describe('private_key_jwt', () => {
  let key: ClientKey;
  let otherKey: ClientKey;
  let client: TokenClient;
  let kv: MemoryKvStore;
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const nowSeconds = now.getTime() / 1000;

  beforeAll(async () => {
    key = await clientKey('ES256');
    otherKey = await clientKey('ES256');
  });

  beforeEach(() => {
    kv = new MemoryKvStore({ sweepIntervalMs: 0 });
    client = clientRecord({
      client_id: CLIENT_ID,
      token_endpoint_auth_method: 'private_key_jwt',
      secret_hashes: [],
      jwks: jwksOf(key) as TokenClient['jwks'],
    });
  });

  afterEach(() => kv.close());

  const authenticate = (assertion: string, target: TokenClient = client, store: KvStore = kv) =>
    authenticatePrivateKeyJwt(target, assertion, {
      issuer: ISSUER,
      now,
      keys: createLocalJWKSet(target.jwks as Parameters<typeof createLocalJWKSet>[0]),
      kv: store,
    });

  const assertion = (options: Partial<Parameters<typeof signAssertion>[1]> = {}, k = key) =>
    signAssertion(k, { clientId: CLIENT_ID, audience: ISSUER, now: nowSeconds, ...options });

  const rejected = (assertionPromise: Promise<string>, pattern: RegExp) =>
    assertionPromise.then((a) =>
      expectOAuthRejection(authenticate(a), InvalidClient, 'invalid_client', pattern),
    );

  it('accepts an assertion for the issuer', async () => {
    await expect(authenticate(await assertion())).resolves.toBeUndefined();
  });

  it('accepts the token endpoint URL as audience, alone or in a list', async () => {
    await expect(
      authenticate(await assertion({ audience: `${ISSUER}/token` })),
    ).resolves.toBeUndefined();
    await expect(
      authenticate(await assertion({ audience: ['https://elsewhere.example', ISSUER] })),
    ).resolves.toBeUndefined();
  });

  it('accepts RSA keys too', async () => {
    const rsa = await clientKey('PS256');
    const rsaClient = { ...client, jwks: jwksOf(rsa) as TokenClient['jwks'] };
    await expect(authenticate(await assertion({}, rsa), rsaClient)).resolves.toBeUndefined();
  });

  it('refuses a wrong iss', () =>
    rejected(assertion({ claims: { iss: 'someone-else' } }), /\(iss\)/));

  it('refuses a wrong sub', () =>
    rejected(assertion({ claims: { sub: 'someone-else' } }), /\(sub\)/));

  it('refuses a wrong aud', () =>
    rejected(assertion({ audience: 'https://other-issuer.example.com' }), /\(aud\)/));

  it('refuses an aud that only resembles the issuer', () =>
    rejected(assertion({ audience: `${ISSUER}/` }), /\(aud\)/));

  it('refuses an expired assertion', () =>
    rejected(assertion({ claims: { exp: nowSeconds - 60 } }), /ERR_JWT_EXPIRED/));

  it('refuses an assertion that is not yet valid', () =>
    rejected(assertion({ claims: { nbf: nowSeconds + 120 } }), /\(nbf\)/));

  it('refuses an assertion without exp', () =>
    rejected(assertion({ claims: { exp: undefined } }), /\(exp\)/));

  it('refuses an exp too far in the future', () =>
    rejected(assertion({ lifetimeSeconds: 3600 }), /at most 600 seconds ahead/));

  it('refuses an assertion without jti', () =>
    rejected(assertion({ claims: { jti: undefined } }), /\(jti\)/));

  it('refuses a non-string jti', () =>
    rejected(assertion({ claims: { jti: 42 as unknown as string } }), /must carry a jti/));

  it('refuses a replayed jti, but not the same jti of another client', async () => {
    const first = await assertion({ claims: { jti: 'once' } });
    await authenticate(first);
    await expectOAuthRejection(
      authenticate(first),
      InvalidClient,
      'invalid_client',
      /already used/,
    );
    const again = await assertion({ claims: { jti: 'once' } });
    await expectOAuthRejection(
      authenticate(again),
      InvalidClient,
      'invalid_client',
      /already used/,
    );

    const other = { ...client, client_id: 'other-client' };
    const theirs = await signAssertion(key, {
      clientId: 'other-client',
      audience: ISSUER,
      now: nowSeconds,
      claims: { jti: 'once' },
    });
    await expect(authenticate(theirs, other)).resolves.toBeUndefined();
  });

  it('remembers the jti until the assertion expires (plus the clock tolerance)', async () => {
    await authenticate(await assertion({ claims: { jti: 'ttl' }, lifetimeSeconds: 120 }));
    const ttl = await kv.ttl(`pkjwt:jti:${CLIENT_ID}:ttl`);
    expect(ttl).toBeGreaterThan(120_000);
    expect(ttl).toBeLessThanOrEqual(135_000);
  });

  it('refuses an HS256 assertion, even one keyed with the client secret', async () => {
    const hs = await hmacAssertion(CLIENT_SECRET, {
      iss: CLIENT_ID,
      sub: CLIENT_ID,
      aud: ISSUER,
      exp: nowSeconds + 60,
      jti: 'hs',
    });
    await expectOAuthRejection(
      authenticate(hs),
      InvalidClient,
      'invalid_client',
      /ERR_JOSE_ALG_NOT_ALLOWED/,
    );
  });

  it('refuses alg none', async () => {
    const none = unsecuredAssertion({
      iss: CLIENT_ID,
      sub: CLIENT_ID,
      aud: ISSUER,
      exp: nowSeconds + 60,
      jti: 'none',
    });
    await expectOAuthRejection(authenticate(none), InvalidClient, 'invalid_client', /rejected/);
  });

  it('refuses an assertion signed by a key the client did not register', async () => {
    await rejected(assertion({}, otherKey), /ERR_JWKS_NO_MATCHING_KEY/);
    // Same kid as the registered key, other key material: the signature fails.
    const impostor = { ...otherKey, kid: key.kid };
    await rejected(assertion({}, impostor), /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/);
  });

  it('honours the registered token_endpoint_auth_signing_alg', async () => {
    const pinned = { ...client, token_endpoint_auth_signing_alg: 'ES384' };
    await expectOAuthRejection(
      authenticate(await assertion(), pinned),
      InvalidClient,
      'invalid_client',
      /ERR_JOSE_ALG_NOT_ALLOWED/,
    );
    const symmetric = { ...client, token_endpoint_auth_signing_alg: 'HS256' };
    await expectOAuthRejection(
      authenticate(await assertion(), symmetric),
      InvalidClient,
      'invalid_client',
      /not supported/,
    );
  });

  it('fails with the outage (503 at the filter) when the replay store is down, never skipping the check', async () => {
    const down = {
      setIfAbsent: () => Promise.reject(new KvUnavailableError()),
    } as unknown as KvStore;
    await expect(authenticate(await assertion(), client, down)).rejects.toMatchObject({
      code: 'KV_UNAVAILABLE',
    });
  });

  describe('assertionSubject', () => {
    it('reads the unverified sub', async () => {
      expect(assertionSubject(await assertion())).toBe(CLIENT_ID);
    });

    it.each([
      ['not a JWT', 'garbage', /not a JWT/],
      ['a JWT without sub', unsecuredAssertion({ iss: 'x' }), /no sub/],
    ])('refuses %s', (_label, value, pattern) => {
      let thrown: unknown;
      try {
        assertionSubject(value);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(InvalidClient);
      expect((thrown as InvalidClient).description).toMatch(pattern);
    });
  });
});

describe('private_key_jwt with a jwks_uri', () => {
  let key: ClientKey;
  let server: JwksServer;
  let kv: MemoryKvStore;
  const nowSeconds = Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    key = await clientKey('ES256');
    server = await startJwksServer(jwksOf(key));
  });

  afterAll(() => server.close());

  beforeEach(() => (kv = new MemoryKvStore({ sweepIntervalMs: 0 })));
  afterEach(() => kv.close());

  const clientAt = (jwks_uri: string) =>
    clientRecord({
      client_id: CLIENT_ID,
      token_endpoint_auth_method: 'private_key_jwt',
      secret_hashes: [],
      jwks_uri,
    });

  const run = async (resolver: ClientKeysResolver, target: TokenClient, k: ClientKey = key) =>
    authenticatePrivateKeyJwt(
      target,
      await signAssertion(k, { clientId: CLIENT_ID, audience: ISSUER, now: nowSeconds }),
      { issuer: ISSUER, now: new Date(nowSeconds * 1000), keys: resolver.forClient(target), kv },
    );

  it('fetches the key set once and reuses it', async () => {
    const resolver = new ClientKeysResolver(undefined, LOOPBACK_ALLOWED);
    const before = server.hits();
    await run(resolver, clientAt(server.uri));
    await run(resolver, clientAt(server.uri));
    expect(server.hits() - before).toBe(1);
  });

  it('picks up a rotated key at its first unknown kid', async () => {
    const resolver = new ClientKeysResolver({ cooldownMs: 0 }, LOOPBACK_ALLOWED);
    await run(resolver, clientAt(server.uri));
    const rotated = await clientKey('ES256');
    server.setJwks(jwksOf(rotated));
    try {
      await run(resolver, clientAt(server.uri), rotated);
    } finally {
      server.setJwks(jwksOf(key));
    }
  });

  it('refuses a key the document does not hold', async () => {
    const stranger = await clientKey('ES256');
    await expectOAuthRejection(
      run(new ClientKeysResolver(undefined, LOOPBACK_ALLOWED), clientAt(server.uri), stranger),
      InvalidClient,
      'invalid_client',
      /ERR_JWKS_NO_MATCHING_KEY/,
    );
  });

  it('refuses when the jwks_uri does not answer 200', async () => {
    await expectOAuthRejection(
      run(
        new ClientKeysResolver(undefined, LOOPBACK_ALLOWED),
        clientAt(server.uri.replace('/jwks', '/missing')),
      ),
      InvalidClient,
      'invalid_client',
      /ERR_JOSE_GENERIC/,
    );
  });

  it('refuses when nothing listens at the jwks_uri', async () => {
    const closed = await startJwksServer(jwksOf(key));
    await closed.close();
    await expectOAuthRejection(
      run(new ClientKeysResolver({ timeoutMs: 1000 }, LOOPBACK_ALLOWED), clientAt(closed.uri)),
      InvalidClient,
      'invalid_client',
      /rejected/,
    );
  });

  it('never fetches a jwks_uri that is not even a URL', () => {
    const resolver = new ClientKeysResolver(undefined, LOOPBACK_ALLOWED);
    expect(() => resolver.forClient(clientAt('not a url'))).toThrow(InvalidClient);
    expect(() => resolver.forClient(clientAt('https://jwks.example.com/keys'))).not.toThrow();
  });

  it('does not fetch a loopback jwks_uri unless the operator allows loopback targets', async () => {
    const before = server.hits();
    await expectOAuthRejection(
      run(new ClientKeysResolver(), clientAt(server.uri)),
      InvalidClient,
      'invalid_client',
      /^client assertion rejected: OutboundRefused$/,
    );
    expect(server.hits()).toBe(before);
  });

  it.each(['http://93.184.216.34/keys', 'file:///etc/passwd', 'https://10.0.0.1/keys'])(
    'refuses the jwks_uri %s without a request',
    async (uri) => {
      await expectOAuthRejection(
        run(new ClientKeysResolver(undefined, LOOPBACK_ALLOWED), clientAt(uri)),
        InvalidClient,
        'invalid_client',
        /^client assertion rejected: OutboundRefused$/,
      );
    },
  );

  it('refuses a client with neither jwks nor jwks_uri', () => {
    const bare = clientRecord({ token_endpoint_auth_method: 'private_key_jwt' });
    expect(() => new ClientKeysResolver(undefined, LOOPBACK_ALLOWED).forClient(bare)).toThrow(
      /neither jwks nor jwks_uri/,
    );
  });
});
