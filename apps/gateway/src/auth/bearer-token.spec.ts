import { InvalidToken } from '@latchkey/oauth';
import { MissingBearerToken } from '@latchkey/oauth-http';
import { readBearerToken } from './bearer-token';

describe('readBearerToken (RFC 6750 §2.1)', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER abc', 'abc'],
    ['Bearer   abc  ', 'abc'],
    ['Bearer a-b.c_d~e+f/g==', 'a-b.c_d~e+f/g=='],
    [
      'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
      'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
    ],
  ])('reads %j', (header, token) => {
    expect(readBearerToken(header)).toBe(token);
  });

  it.each([undefined, '', '   ', 'Basic dXNlcjpwYXNz', 'Digest x', 'Bearerabc', ['Bearer abc']])(
    'treats %j as no Bearer credentials',
    (header) => {
      expect(() => readBearerToken(header)).toThrow(MissingBearerToken);
    },
  );

  it.each([
    'Bearer',
    'Bearer ',
    'Bearer a b',
    'Bearer a,b',
    'Bearer "abc"',
    'Bearer =abc',
    'Bearer abc=d',
  ])('refuses the malformed %j as invalid_token', (header) => {
    let thrown: unknown;
    try {
      readBearerToken(header);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InvalidToken);
    expect(thrown).not.toBeInstanceOf(MissingBearerToken);
    expect((thrown as InvalidToken).status).toBe(401);
  });
});
