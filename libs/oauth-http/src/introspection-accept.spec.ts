import { wantsIntrospectionJwt } from './introspection-accept';

describe('Accept: application/token-introspection+jwt (RFC 9701 §4)', () => {
  it.each([
    'application/token-introspection+jwt',
    'Application/Token-Introspection+JWT',
    'application/json;q=0.5, application/token-introspection+jwt',
    'application/token-introspection+jwt; q=0.8',
  ])('asks for the JWT: %j', (accept) => {
    expect(wantsIntrospectionJwt(accept)).toBe(true);
  });

  it('reads every Accept header line', () => {
    expect(wantsIntrospectionJwt(['application/json', 'application/token-introspection+jwt'])).toBe(
      true,
    );
  });

  it.each([
    undefined,
    '',
    'application/json',
    '*/*',
    'application/jwt',
    'application/token-introspection+jwt;q=0',
    'application/token-introspection+jwtx',
  ])('does not for %j', (accept) => {
    expect(wantsIntrospectionJwt(accept)).toBe(false);
  });
});
