import { InvalidRequest, InvalidScope, InvalidTarget } from '@latchkey/oauth';
import { webClient } from '../fixtures/user-flow.fixture';
import type { GrantEntity } from '../user-grants/grant.entity';
import { checkResourceIsTheGrantOne, readRefreshParams } from './refresh-token.grant';

const ISSUER = 'https://id.example';

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

  describe('checkResourceIsTheGrantOne', () => {
    const grant = (resource: string | null) => ({ resource }) as GrantEntity;

    it('accepts no resource, or the grant audience', () => {
      expect(() =>
        checkResourceIsTheGrantOne(undefined, grant(null), webClient(), ISSUER),
      ).not.toThrow();
      expect(() =>
        checkResourceIsTheGrantOne(ISSUER, grant(null), webClient(), ISSUER),
      ).not.toThrow();
      expect(() =>
        checkResourceIsTheGrantOne(
          'https://o.example',
          grant('https://o.example'),
          webClient(),
          ISSUER,
        ),
      ).not.toThrow();
      expect(() =>
        checkResourceIsTheGrantOne(
          'https://d.example',
          grant(null),
          webClient({ default_resource: 'https://d.example' }),
          ISSUER,
        ),
      ).not.toThrow();
    });

    it('refuses any other resource with invalid_target', () => {
      expect(() =>
        checkResourceIsTheGrantOne('https://o.example', grant(null), webClient(), ISSUER),
      ).toThrow(InvalidTarget);
      expect(() =>
        checkResourceIsTheGrantOne(ISSUER, grant('https://o.example'), webClient(), ISSUER),
      ).toThrow(InvalidTarget);
    });
  });
});
