import {
  checkClientAssertionExpiry,
  checkClientAssertionJti,
  CLIENT_ASSERTION_CLOCK_TOLERANCE_SECONDS,
  CLIENT_ASSERTION_SIGNING_ALGS,
  clientAssertionAlgorithms,
  clientAssertionAudiences,
  clientAssertionReplayWindowMs,
  jwkSigningAlgorithm,
  MAX_CLIENT_ASSERTION_JTI_LENGTH,
  MAX_CLIENT_ASSERTION_LIFETIME_SECONDS,
} from './client-assertion';
import { expectOAuthError } from '@latchkey/testing';
import { InvalidClient } from './errors/oauth-error';

describe('clientAssertionAlgorithms', () => {
  it('allows every asymmetric algorithm when the client registered none', () => {
    expect(clientAssertionAlgorithms(undefined)).toEqual([...CLIENT_ASSERTION_SIGNING_ALGS]);
    expect(clientAssertionAlgorithms(null)).toEqual([...CLIENT_ASSERTION_SIGNING_ALGS]);
  });

  it('never allows none or a symmetric algorithm', () => {
    const all = clientAssertionAlgorithms(undefined);
    for (const alg of ['none', 'HS256', 'HS384', 'HS512']) expect(all).not.toContain(alg);
  });

  it('honours the registered algorithm', () => {
    expect(clientAssertionAlgorithms('ES256')).toEqual(['ES256']);
    expect(clientAssertionAlgorithms('PS256')).toEqual(['PS256']);
  });

  it.each(['HS256', 'none', 'rs256', '', 42])('refuses the registered algorithm %p', (alg) => {
    expectOAuthError(() => clientAssertionAlgorithms(alg), InvalidClient, 'invalid_client');
  });
});

describe('clientAssertionAudiences', () => {
  it('is the issuer and its token endpoint', () => {
    expect(clientAssertionAudiences('https://id.example.com')).toEqual([
      'https://id.example.com',
      'https://id.example.com/token',
    ]);
  });
});

describe('checkClientAssertionExpiry', () => {
  const now = 1_700_000_000;

  it('accepts an exp up to the maximum lifetime ahead', () => {
    expect(checkClientAssertionExpiry(now + 60, now)).toBe(now + 60);
    expect(checkClientAssertionExpiry(now + MAX_CLIENT_ASSERTION_LIFETIME_SECONDS, now)).toBe(
      now + MAX_CLIENT_ASSERTION_LIFETIME_SECONDS,
    );
  });

  it('refuses an exp further ahead', () => {
    expectOAuthError(
      () => checkClientAssertionExpiry(now + MAX_CLIENT_ASSERTION_LIFETIME_SECONDS + 1, now),
      InvalidClient,
      'invalid_client',
      /at most 600 seconds ahead/,
    );
  });

  it.each([undefined, '1700000060', Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses the missing or non-numeric exp %p',
    (exp) => {
      expectOAuthError(
        () => checkClientAssertionExpiry(exp, now),
        InvalidClient,
        'invalid_client',
        /numeric exp/,
      );
    },
  );
});

describe('checkClientAssertionJti', () => {
  it('accepts a string jti', () => {
    expect(checkClientAssertionJti('a-b-c')).toBe('a-b-c');
    expect(checkClientAssertionJti('x'.repeat(MAX_CLIENT_ASSERTION_JTI_LENGTH))).toHaveLength(
      MAX_CLIENT_ASSERTION_JTI_LENGTH,
    );
  });

  it.each([undefined, '', 42, null])('refuses the missing jti %p', (jti) => {
    expectOAuthError(
      () => checkClientAssertionJti(jti),
      InvalidClient,
      'invalid_client',
      /must carry a jti/,
    );
  });

  it('refuses an overlong jti', () => {
    expectOAuthError(
      () => checkClientAssertionJti('x'.repeat(MAX_CLIENT_ASSERTION_JTI_LENGTH + 1)),
      InvalidClient,
      'invalid_client',
      /at most 256 characters/,
    );
  });
});

describe('clientAssertionReplayWindowMs', () => {
  it('lasts until exp plus the clock tolerance', () => {
    const nowMs = 1_700_000_000_000;
    expect(clientAssertionReplayWindowMs(1_700_000_060, nowMs)).toBe(
      (60 + CLIENT_ASSERTION_CLOCK_TOLERANCE_SECONDS) * 1000,
    );
  });

  it('is at least a second', () => {
    expect(clientAssertionReplayWindowMs(1_000, 1_700_000_000_000)).toBe(1000);
  });
});

describe('jwkSigningAlgorithm (Latchkey’s own assertion at an upstream)', () => {
  const d = 'private-part';
  it.each([
    [{ kty: 'RSA', d }, 'RS256'],
    [{ kty: 'RSA', d, alg: 'PS384' }, 'PS384'],
    [{ kty: 'EC', crv: 'P-256', d }, 'ES256'],
    [{ kty: 'EC', crv: 'P-521', d, use: 'sig' }, 'ES512'],
    [{ kty: 'OKP', crv: 'Ed25519', d }, 'EdDSA'],
  ])('signs with %j as %s', (jwk, alg) => {
    expect(jwkSigningAlgorithm(jwk)).toBe(alg);
  });

  it.each([
    ['a public key', { kty: 'EC', crv: 'P-256' }],
    ['a symmetric key', { kty: 'oct', k: 'secret', d }],
    ['an HMAC alg', { kty: 'RSA', d, alg: 'HS256' }],
    ['an alg of another family', { kty: 'EC', crv: 'P-256', d, alg: 'ES384' }],
    ['an RSA alg on an EC key', { kty: 'EC', crv: 'P-256', d, alg: 'RS256' }],
    ['an encryption key', { kty: 'RSA', d, use: 'enc' }],
    ['an X25519 key', { kty: 'OKP', crv: 'X25519', d }],
  ])('refuses %s', (_what, jwk) => {
    expect(jwkSigningAlgorithm(jwk)).toBeUndefined();
  });
});
