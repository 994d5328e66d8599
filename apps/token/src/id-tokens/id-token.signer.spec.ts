import { computeTokenHash } from '@latchkey/oauth';
import { DatabaseUnavailableError } from '@latchkey/persistence';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { FixedClock } from '@latchkey/core';
import { ALL_SIGNING_ALGORITHMS, fakeSigningKeys } from '../fixtures/signing-keys.fixture';
import { webClient } from '../fixtures/user-flow.fixture';
import type { SigningKeysService } from '../keys/signing-keys.service';
import { IdTokenSigner } from './id-token.signer';

const ISSUER = 'https://id.example.com';

describe('IdTokenSigner', () => {
  const clock = new FixedClock(new Date('2025-06-01T12:00:00Z'));
  const now = Date.parse('2025-06-01T12:00:00Z') / 1000;
  let signer: IdTokenSigner;
  let jwks: JSONWebKeySet;
  let kids: Map<string, string>;

  beforeAll(async () => {
    const fake = await fakeSigningKeys(ALL_SIGNING_ALGORITHMS);
    jwks = fake.jwks;
    kids = new Map([...fake.byAlg].map(([alg, key]) => [alg, key.kid]));
    signer = new IdTokenSigner(fake.keys, clock, { issuer: ISSUER });
  });

  const verify = async (token: string, audience: string, alg: string) =>
    (
      await jwtVerify(token, createLocalJWKSet(jwks), {
        issuer: ISSUER,
        audience,
        typ: 'JWT',
        algorithms: [alg],
        currentDate: clock.now(),
      })
    ).payload;

  it('carries the OIDC Core §2 claims, azp, sid, amr, acr and at_hash', async () => {
    const token = await signer.sign({
      client: webClient(),
      sub: 'user-1',
      authTime: now - 60,
      nonce: 'n-1',
      sid: 'sid-1',
      amr: ['pwd', 'otp'],
      acr: 'urn:acr:2',
      accessToken: 'the-access-token',
    });
    expect(decodeProtectedHeader(token)).toEqual({
      alg: 'RS256',
      kid: kids.get('RS256'),
      typ: 'JWT',
    });
    expect(await verify(token, 'web-app', 'RS256')).toEqual({
      iss: ISSUER,
      sub: 'user-1',
      aud: 'web-app',
      azp: 'web-app',
      iat: now,
      exp: now + 3600,
      auth_time: now - 60,
      nonce: 'n-1',
      sid: 'sid-1',
      amr: ['pwd', 'otp'],
      acr: 'urn:acr:2',
      at_hash: computeTokenHash('the-access-token', 'RS256'),
    });
  });

  it('leaves out what is unknown (no nonce on refresh, no amr, no at_hash)', async () => {
    const token = await signer.sign({ client: webClient(), sub: 'user-1', amr: [] });
    expect(await verify(token, 'web-app', 'RS256')).toEqual({
      iss: ISSUER,
      sub: 'user-1',
      aud: 'web-app',
      azp: 'web-app',
      iat: now,
      exp: now + 3600,
    });
  });

  it.each([
    ['RS256', 16],
    ['ES256', 16],
    ['EdDSA', 32],
  ] as const)('signs with %s when the client asks for it', async (alg, atHashBytes) => {
    const client = webClient({ id_token_signed_response_alg: alg });
    const token = await signer.sign({ client, sub: 'u', accessToken: 'at' });
    expect(decodeProtectedHeader(token)).toMatchObject({ alg, kid: kids.get(alg) });
    const claims = await verify(token, 'web-app', alg);
    expect(claims.at_hash).toBe(computeTokenHash('at', alg));
    expect(Buffer.from(claims.at_hash as string, 'base64url')).toHaveLength(atHashBytes);
  });

  it("lives the client's id_token_lifetime", async () => {
    const token = await signer.sign({ client: webClient({ id_token_lifetime: 300 }), sub: 'u' });
    expect((await verify(token, 'web-app', 'RS256')).exp).toBe(now + 300);
  });

  it('fails with the outage (503 at the filter), signing nothing, when the database is unreachable', async () => {
    const keys = {
      activeKey: async () => {
        throw new DatabaseUnavailableError();
      },
    } as unknown as SigningKeysService;
    await expect(
      new IdTokenSigner(keys, clock, { issuer: ISSUER }).sign({ client: webClient(), sub: 'u' }),
    ).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
  });
});
