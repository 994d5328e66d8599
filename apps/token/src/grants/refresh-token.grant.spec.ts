import { InvalidRequest, InvalidScope } from '@latchkey/oauth';
import { readRefreshParams } from './refresh-token.grant';

describe('refresh_token checks', () => {
  it('reads refresh_token, scope and resource', () => {
    expect(readRefreshParams({ refresh_token: 'r', scope: 'openid  profile' })).toEqual({
      refreshToken: 'r',
      scopes: new Set(['openid', 'profile']),
      resource: undefined,
    });
    expect(readRefreshParams({ refresh_token: 'r' }).scopes).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>]>([
    ['no refresh_token', {}],
    ['an empty refresh_token', { refresh_token: '' }],
    ['two refresh tokens', { refresh_token: ['a', 'b'] }],
    ['two scopes', { refresh_token: 'r', scope: ['a', 'b'] }],
  ])('refuses %s with invalid_request', (_label, params) => {
    expect(() => readRefreshParams(params)).toThrow(InvalidRequest);
  });

  it('refuses a malformed scope with invalid_scope', () => {
    expect(() => readRefreshParams({ refresh_token: 'r', scope: 'a\tb' })).toThrow(InvalidScope);
  });
});
