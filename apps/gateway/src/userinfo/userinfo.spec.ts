import type { ClaimScopesCache } from '@latchkey/registry-client';
import { TokenSubjects, type ValidateAccessTokenResponse } from '@latchkey/contracts';
import { InsufficientScope, InvalidRequest, InvalidToken } from '@latchkey/oauth';
import type { Request } from 'express';
import { MissingBearerToken } from '@latchkey/oauth-http';
import { FakeBus } from '../fixtures/fake-bus.fixture';
import type { User } from '../users/user';
import { claimsFor } from '../users/user-claims';
import type { UsersService } from '../users/users.service';
import { readUserinfoToken } from './userinfo-request';
import { UserinfoService } from './userinfo.service';

const ISSUER = 'https://id.example.test';

function request(options: {
  method?: string;
  authorization?: string;
  query?: Record<string, unknown>;
  form?: Record<string, unknown>;
}): Request {
  return {
    method: options.method ?? 'GET',
    headers: options.authorization === undefined ? {} : { authorization: options.authorization },
    query: options.query ?? {},
    body: options.form,
    is: (type: string) =>
      options.form && type === 'application/x-www-form-urlencoded' ? type : false,
  } as unknown as Request;
}

describe('readUserinfoToken (RFC 6750 §2)', () => {
  it('reads the Authorization header, GET or POST', () => {
    expect(readUserinfoToken(request({ authorization: 'Bearer abc.def' }))).toBe('abc.def');
    expect(readUserinfoToken(request({ method: 'POST', authorization: 'bearer abc' }))).toBe('abc');
  });

  it('reads a form body access_token on POST', () => {
    expect(readUserinfoToken(request({ method: 'POST', form: { access_token: 'abc' } }))).toBe(
      'abc',
    );
  });

  it('refuses a token sent two ways, twice in the body, or in the query', () => {
    expect(() =>
      readUserinfoToken(
        request({ method: 'POST', authorization: 'Bearer abc', form: { access_token: 'abc' } }),
      ),
    ).toThrow(InvalidRequest);
    expect(() =>
      readUserinfoToken(request({ method: 'POST', form: { access_token: ['a', 'b'] } })),
    ).toThrow(InvalidRequest);
    expect(() => readUserinfoToken(request({ query: { access_token: 'abc' } }))).toThrow(
      'access tokens in the query string are not accepted',
    );
  });

  it('answers no token with MissingBearerToken, a malformed one with invalid_token', () => {
    expect(() => readUserinfoToken(request({}))).toThrow(MissingBearerToken);
    expect(() =>
      readUserinfoToken(request({ method: 'GET', form: { access_token: 'a' } })),
    ).toThrow(MissingBearerToken);
    expect(() => readUserinfoToken(request({ authorization: 'Bearer a b' }))).toThrow(InvalidToken);
  });
});

describe('UserinfoService', () => {
  const alice: User = {
    id: 'user-1',
    username: 'alice',
    email: 'alice@example.test',
    emailVerified: true,
    name: 'Alice',
    givenName: null,
    familyName: null,
    disabled: false,
    groups: [],
    roles: [],
    resourceRoles: {},
    attributes: {},
    createdAt: new Date('2024-01-01T00:00:00Z'),
    updatedAt: new Date('2024-01-02T00:00:00Z'),
  };
  let validated: ValidateAccessTokenResponse;
  let active: User | null;
  let bus: FakeBus;
  let service: UserinfoService;

  beforeEach(() => {
    validated = {
      active: true,
      sub: 'user-1',
      client_id: 'web-app',
      scope: 'openid email',
      aud: [ISSUER],
      exp: 2_000_000_000,
      iat: 1_700_000_000,
      jti: 'j1',
    };
    active = alice;
    bus = new FakeBus().on(TokenSubjects.ValidateAccessToken, () => validated);
    const users = {
      findActiveById: async (sub: string) => (active && active.id === sub ? active : null),
      claimsFor,
    } as unknown as UsersService;
    const claimScopes = { all: async () => new Map() } as unknown as ClaimScopesCache;
    service = new UserinfoService(bus.asBusClient(), users, claimScopes, ISSUER);
  });

  it("answers the claims the token's scopes release", async () => {
    await expect(service.claims('tok')).resolves.toEqual({
      sub: 'user-1',
      email: 'alice@example.test',
      email_verified: true,
    });
    expect(bus.requestsFor(TokenSubjects.ValidateAccessToken)).toEqual([{ token: 'tok' }]);
  });

  it('refuses an inactive token with invalid_token', async () => {
    validated = { active: false };
    await expect(service.claims('tok')).rejects.toBeInstanceOf(InvalidToken);
  });

  it('refuses a token without openid with insufficient_scope (403)', async () => {
    validated = { ...validated, scope: 'orders:read' } as ValidateAccessTokenResponse;
    const refused = await service.claims('tok').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(InsufficientScope);
    expect((refused as InsufficientScope).status).toBe(403);
  });

  it('refuses a token meant for another resource', async () => {
    validated = {
      ...validated,
      aud: ['https://orders.example.test'],
    } as ValidateAccessTokenResponse;
    await expect(service.claims('tok')).rejects.toThrow('not meant for the userinfo endpoint');
  });

  it('accepts a token for an API that also names the userinfo endpoint', async () => {
    validated = {
      ...validated,
      aud: ['https://orders.example.test', `${ISSUER}/userinfo`],
    } as ValidateAccessTokenResponse;
    await expect(service.claims('tok')).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('refuses the token of a disabled or deleted user with invalid_token', async () => {
    active = null;
    await expect(service.claims('tok')).rejects.toBeInstanceOf(InvalidToken);
  });
});
