import { TokenSubjects } from '@latchkey/contracts';
import { InvalidRequest, TemporarilyUnavailable } from '@latchkey/oauth';
import { SignJWT, type JWTPayload } from 'jose';
import { jwksOf, TEST_ISSUER, testKey, type TestKey } from '../fixtures/access-token.fixture';
import { FakeBus } from '../fixtures/fake-bus.fixture';
import { JwksService } from '../well-known/jwks.service';
import { IdTokenHintVerifier } from './id-token-hint.verifier';

describe('IdTokenHintVerifier', () => {
  let key: TestKey;
  let stranger: TestKey;
  let bus: FakeBus;
  let verifier: IdTokenHintVerifier;

  beforeAll(async () => {
    key = await testKey('k1');
    stranger = await testKey('k1');
  });

  beforeEach(() => {
    bus = new FakeBus().on(TokenSubjects.Jwks, () => jwksOf(key));
    verifier = new IdTokenHintVerifier(new JwksService(bus.asBusClient()), TEST_ISSUER);
  });

  async function idToken(
    claims: JWTPayload = {},
    options: { signer?: TestKey; typ?: string } = {},
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const signer = options.signer ?? key;
    return new SignJWT({
      iss: TEST_ISSUER,
      aud: 'web-app',
      sub: 'user-1',
      iat: now,
      exp: now + 300,
      ...claims,
    })
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: options.typ ?? 'JWT' })
      .sign(signer.privateKey);
  }

  it("answers the hint's sub", async () => {
    await expect(verifier.subjectOf(await idToken(), 'web-app')).resolves.toBe('user-1');
  });

  it('accepts an expired id_token (it only names the user)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await idToken({ iat: now - 7200, exp: now - 3600 });
    await expect(verifier.subjectOf(expired, 'web-app')).resolves.toBe('user-1');
  });

  it('accepts an audience list holding the client', async () => {
    const hint = await idToken({ aud: ['other', 'web-app'] });
    await expect(verifier.subjectOf(hint, 'web-app')).resolves.toBe('user-1');
  });

  it.each([
    ['another client', { aud: 'other-app' }],
    ['another issuer', { iss: 'https://evil.example' }],
    ['no sub', { sub: undefined }],
  ])('refuses an id_token for %s', async (_what, claims) => {
    await expect(verifier.subjectOf(await idToken(claims), 'web-app')).rejects.toBeInstanceOf(
      InvalidRequest,
    );
  });

  it('refuses an access token signed by the same keys', async () => {
    const hint = await idToken({}, { typ: 'at+jwt' });
    await expect(verifier.subjectOf(hint, 'web-app')).rejects.toThrow('not an id_token');
  });

  it('refuses a signature by another key, and garbage', async () => {
    const forged = await idToken({}, { signer: stranger });
    await expect(verifier.subjectOf(forged, 'web-app')).rejects.toBeInstanceOf(InvalidRequest);
    await expect(verifier.subjectOf('not-a-jwt', 'web-app')).rejects.toBeInstanceOf(InvalidRequest);
  });

  it('lets a JWKS outage through as 503', async () => {
    bus.on(TokenSubjects.Jwks, () => {
      throw new TemporarilyUnavailable();
    });
    await expect(verifier.subjectOf(await idToken(), 'web-app')).rejects.toBeInstanceOf(
      TemporarilyUnavailable,
    );
  });
});
