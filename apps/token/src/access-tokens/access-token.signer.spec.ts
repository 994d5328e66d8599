import { DatabaseUnavailableError } from '@latchkey/persistence';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { FixedClock } from '@latchkey/core';
import { fakeSigningKeys } from '../fixtures/signing-keys.fixture';
import type { SigningKeysService } from '../keys/signing-keys.service';
import { ACCESS_TOKEN_TYP } from '@latchkey/oauth';
import { AccessTokenSigner } from './access-token.signer';

const ISSUER = 'https://id.example.com';

describe('AccessTokenSigner', () => {
  const clock = new FixedClock(new Date('2025-06-01T12:00:00.400Z'));
  const iat = Date.parse('2025-06-01T12:00:00Z') / 1000;

  it('signs an RFC 9068 JWT with the active key', async () => {
    const { keys, jwks, active } = await fakeSigningKeys();
    const signer = new AccessTokenSigner(keys, clock, { issuer: ISSUER });
    const signed = await signer.sign({
      sub: 'svc',
      client_id: 'svc',
      aud: 'https://orders.example.com',
      scopes: ['orders:read', 'orders:write'],
      lifetimeSeconds: 900,
    });

    expect(decodeProtectedHeader(signed.token)).toEqual({
      alg: 'RS256',
      kid: active.kid,
      typ: ACCESS_TOKEN_TYP,
    });
    const { payload } = await jwtVerify(signed.token, createLocalJWKSet(jwks), {
      issuer: ISSUER,
      audience: 'https://orders.example.com',
      typ: 'at+jwt',
      algorithms: ['RS256'],
      currentDate: clock.now(),
    });
    expect(payload).toEqual({
      iss: ISSUER,
      sub: 'svc',
      aud: 'https://orders.example.com',
      client_id: 'svc',
      scope: 'orders:read orders:write',
      iat,
      exp: iat + 900,
      jti: signed.jti,
    });
    expect(signed).toMatchObject({ iat, exp: iat + 900, expiresIn: 900 });
    expect(signed.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('gives every token its own jti and leaves out an empty scope', async () => {
    const { keys } = await fakeSigningKeys();
    const signer = new AccessTokenSigner(keys, clock, { issuer: ISSUER });
    const input = { sub: 's', client_id: 's', aud: ISSUER, scopes: [], lifetimeSeconds: 60 };
    const [a, b] = await Promise.all([signer.sign(input), signer.sign(input)]);
    expect(a.jti).not.toBe(b.jti);
    const payload: unknown = JSON.parse(
      Buffer.from(a.token.split('.')[1]!, 'base64url').toString(),
    );
    expect(payload).not.toHaveProperty('scope');
  });

  it('adds extra claims but never lets them replace its own', async () => {
    const { keys } = await fakeSigningKeys();
    const signer = new AccessTokenSigner(keys, clock, { issuer: ISSUER });
    const signed = await signer.sign({
      sub: 'user-1',
      client_id: 'app',
      aud: ISSUER,
      scopes: ['openid'],
      lifetimeSeconds: 60,
      claims: { auth_time: 123, iss: 'evil', sub: 'evil', client_id: 'evil', exp: 1, jti: 'x' },
    });
    const payload: unknown = JSON.parse(
      Buffer.from(signed.token.split('.')[1]!, 'base64url').toString(),
    );
    expect(payload).toMatchObject({
      auth_time: 123,
      iss: ISSUER,
      sub: 'user-1',
      client_id: 'app',
      exp: iat + 60,
      jti: signed.jti,
    });
  });

  it('fails with the outage (503 at the filter) when the signing key cannot be read', async () => {
    const keys = {
      activeKey: () => Promise.reject(new DatabaseUnavailableError()),
    } as unknown as SigningKeysService;
    const signer = new AccessTokenSigner(keys, clock, { issuer: ISSUER });
    await expect(
      signer.sign({ sub: 's', client_id: 's', aud: ISSUER, scopes: [], lifetimeSeconds: 60 }),
    ).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
  });
});
