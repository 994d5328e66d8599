import { InvalidRequest } from '@latchkey/oauth';
import { lookupOrder, readPresentedTokenParams } from './token-type-hint';

describe('token and token_type_hint (RFC 7009 §2.1, RFC 7662 §2.1)', () => {
  it('reads the token and a known hint', () => {
    expect(readPresentedTokenParams({ token: 't', token_type_hint: 'refresh_token' })).toEqual({
      token: 't',
      hint: 'refresh_token',
    });
    expect(readPresentedTokenParams({ token: 't', token_type_hint: 'access_token' })).toEqual({
      token: 't',
      hint: 'access_token',
    });
  });

  it.each(['id_token', 'ACCESS_TOKEN', 'urn:ietf:params:oauth:token-type:jwt', ''])(
    'ignores the unsupported hint %j rather than refusing the request',
    (hint) => {
      expect(readPresentedTokenParams({ token: 't', token_type_hint: hint })).toEqual({
        token: 't',
      });
    },
  );

  it.each([
    [{}, /token is required/],
    [{ token: '' }, /token is required/],
    [{ token: ['a', 'b'] }, /must not be repeated/],
    [{ token: 't', token_type_hint: ['access_token', 'refresh_token'] }, /must not be repeated/],
    [{ token: 'x'.repeat(8193) }, /too long/],
  ])('refuses %j with invalid_request', (params, message) => {
    expect(() => readPresentedTokenParams(params)).toThrow(InvalidRequest);
    expect(() => readPresentedTokenParams(params)).toThrow(message);
  });

  it('looks where the hint says first, then at the other type', () => {
    expect(lookupOrder('refresh_token')).toEqual(['refresh_token', 'access_token']);
    expect(lookupOrder('access_token')).toEqual(['access_token', 'refresh_token']);
    expect(lookupOrder(undefined)).toEqual(['access_token', 'refresh_token']);
  });
});
