import { expectOAuthError } from '@latchkey/testing';
import { InvalidGrant, InvalidRequest } from './errors/oauth-error';
import {
  checkPkceAuthorizationParams,
  computeS256Challenge,
  isValidCodeChallenge,
  isValidCodeVerifier,
  verifyPkce,
} from './pkce';

// RFC 7636 Appendix B.
const RFC_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const RFC_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('isValidCodeVerifier / isValidCodeChallenge', () => {
  const valid = [
    'a'.repeat(43),
    'a'.repeat(128),
    RFC_VERIFIER,
    RFC_CHALLENGE,
    'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~',
  ];
  const invalid: unknown[] = [
    '',
    'a'.repeat(42),
    'a'.repeat(129),
    `${'a'.repeat(42)}+`,
    `${'a'.repeat(42)}/`,
    `${'a'.repeat(42)}=`,
    `${'a'.repeat(42)} `,
    `${'a'.repeat(42)}%`,
    `${'a'.repeat(42)}\n`,
    `${'a'.repeat(42)}é`,
    ` ${'a'.repeat(43)}`,
    undefined,
    null,
    43,
    ['a'.repeat(43)],
  ];

  it.each(valid)('accepts %s', (value) => {
    expect(isValidCodeVerifier(value)).toBe(true);
    expect(isValidCodeChallenge(value)).toBe(true);
  });

  it.each(invalid.map((v) => [v]))('rejects %p', (value) => {
    expect(isValidCodeVerifier(value)).toBe(false);
    expect(isValidCodeChallenge(value)).toBe(false);
  });
});

describe('computeS256Challenge', () => {
  it('matches the RFC 7636 Appendix B test vector', () => {
    expect(computeS256Challenge(RFC_VERIFIER)).toBe(RFC_CHALLENGE);
  });

  it('is base64url without padding', () => {
    const challenge = computeS256Challenge('x'.repeat(43));
    expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('checkPkceAuthorizationParams', () => {
  it('returns the S256 challenge to bind to the code', () => {
    expect(
      checkPkceAuthorizationParams({
        codeChallenge: RFC_CHALLENGE,
        codeChallengeMethod: 'S256',
        required: true,
      }),
    ).toEqual({ challenge: RFC_CHALLENGE, method: 'S256' });
  });

  it('returns undefined when PKCE is optional and not used', () => {
    expect(checkPkceAuthorizationParams({ required: false })).toBeUndefined();
    expect(
      checkPkceAuthorizationParams({ codeChallenge: '', codeChallengeMethod: '', required: false }),
    ).toBeUndefined();
  });

  it('requires a challenge when PKCE is required', () => {
    expectOAuthError(
      () => checkPkceAuthorizationParams({ required: true }),
      InvalidRequest,
      'invalid_request',
      /code_challenge is required/,
    );
  });

  it('rejects a method without a challenge', () => {
    expectOAuthError(
      () => checkPkceAuthorizationParams({ codeChallengeMethod: 'S256', required: false }),
      InvalidRequest,
      'invalid_request',
      /without code_challenge/,
    );
  });

  it('rejects an omitted method, which would mean plain', () => {
    expectOAuthError(
      () => checkPkceAuthorizationParams({ codeChallenge: RFC_CHALLENGE, required: false }),
      InvalidRequest,
      'invalid_request',
      /code_challenge_method is required/,
    );
  });

  it.each(['plain', 's256', 'S512', 'none', 'S256 '])('rejects method %p', (method) => {
    expectOAuthError(
      () =>
        checkPkceAuthorizationParams({
          codeChallenge: RFC_CHALLENGE,
          codeChallengeMethod: method,
          required: false,
        }),
      InvalidRequest,
      'invalid_request',
      /only S256/,
    );
  });

  it.each(['short', 'a'.repeat(129), `${'a'.repeat(42)}+`])('rejects challenge %p', (challenge) => {
    expectOAuthError(
      () =>
        checkPkceAuthorizationParams({
          codeChallenge: challenge,
          codeChallengeMethod: 'S256',
          required: false,
        }),
      InvalidRequest,
      'invalid_request',
      /code_challenge must be/,
    );
  });
});

describe('verifyPkce', () => {
  it('accepts the RFC 7636 Appendix B verifier for its challenge', () => {
    expect(() =>
      verifyPkce({ challenge: RFC_CHALLENGE, method: 'S256', verifier: RFC_VERIFIER }),
    ).not.toThrow();
  });

  it('accepts a freshly computed pair of maximum length', () => {
    const verifier = '~'.repeat(128);
    expect(() =>
      verifyPkce({ challenge: computeS256Challenge(verifier), method: 'S256', verifier }),
    ).not.toThrow();
  });

  it('passes when neither a challenge was stored nor a verifier sent', () => {
    expect(() => verifyPkce({})).not.toThrow();
    expect(() => verifyPkce({ challenge: null, method: null, verifier: null })).not.toThrow();
    expect(() => verifyPkce({ challenge: '', verifier: '' })).not.toThrow();
  });

  it('rejects a verifier when no challenge was stored (downgrade)', () => {
    expectOAuthError(
      () => verifyPkce({ verifier: RFC_VERIFIER }),
      InvalidGrant,
      'invalid_grant',
      /no code_challenge/,
    );
    expectOAuthError(
      () => verifyPkce({ challenge: null, method: null, verifier: RFC_VERIFIER }),
      InvalidGrant,
      'invalid_grant',
    );
  });

  it.each([undefined, null, ''])(
    'rejects a missing verifier (%p) when a challenge was stored',
    (v) => {
      expectOAuthError(
        () => verifyPkce({ challenge: RFC_CHALLENGE, method: 'S256', verifier: v }),
        InvalidGrant,
        'invalid_grant',
        /code_verifier is required/,
      );
    },
  );

  it('rejects a wrong verifier', () => {
    expectOAuthError(
      () => verifyPkce({ challenge: RFC_CHALLENGE, method: 'S256', verifier: 'b'.repeat(43) }),
      InvalidGrant,
      'invalid_grant',
      /PKCE verification failed/,
    );
  });

  it('rejects the challenge itself used as the verifier (plain semantics)', () => {
    expectOAuthError(
      () => verifyPkce({ challenge: RFC_CHALLENGE, method: 'S256', verifier: RFC_CHALLENGE }),
      InvalidGrant,
      'invalid_grant',
    );
  });

  it.each(['plain', undefined, null, '', 's256', 'S384'])(
    'rejects a code bound with method %p, even with a matching verifier',
    (method) => {
      expectOAuthError(
        () => verifyPkce({ challenge: RFC_VERIFIER, method, verifier: RFC_VERIFIER }),
        InvalidGrant,
        'invalid_grant',
        /unsupported PKCE method/,
      );
    },
  );

  it.each(['short', 'a'.repeat(129), `${RFC_VERIFIER}!`, `${'a'.repeat(43)} `])(
    'rejects the malformed verifier %p',
    (verifier) => {
      expectOAuthError(
        () => verifyPkce({ challenge: RFC_CHALLENGE, method: 'S256', verifier }),
        InvalidRequest,
        'invalid_request',
        /code_verifier must be/,
      );
    },
  );

  it('rejects a stored challenge of the wrong length', () => {
    expectOAuthError(
      () => verifyPkce({ challenge: `${RFC_CHALLENGE}A`, method: 'S256', verifier: RFC_VERIFIER }),
      InvalidGrant,
      'invalid_grant',
    );
  });
});
