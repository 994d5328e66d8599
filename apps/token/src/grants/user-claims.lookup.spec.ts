import type { Audience } from '../access-tokens/audience.resolver';
import { resourceView } from '../fixtures/registry.fixture';
import { rolesForAudience, type UserTokenClaims } from './user-claims.lookup';

describe('rolesForAudience (docs/architecture.md §7)', () => {
  const ORDERS = 'https://orders.example.com';
  const claims: UserTokenClaims = {
    active: true,
    roles: ['auditor'],
    resource_roles: { [ORDERS]: ['clerk', 'dropped'], 'https://other.example.com': ['owner'] },
    id_token_claims: {},
  };
  const orders: Audience = {
    aud: ORDERS,
    resources: [resourceView({ identifier: ORDERS, roles: ['clerk', 'manager'] })],
    scopes: [],
  };

  it("gives the global roles plus the audience's roles that its resource still defines", () => {
    expect(rolesForAudience(claims, orders)).toEqual(['auditor', 'clerk']);
  });

  it('gives a token for the issuer the global roles only', () => {
    expect(
      rolesForAudience(claims, { aud: 'https://id.example.com', resources: [], scopes: [] }),
    ).toEqual(['auditor']);
  });

  it('gives a token for several APIs the roles of each', () => {
    const other = resourceView({ identifier: 'https://other.example.com', roles: ['owner'] });
    const both: Audience = {
      aud: [ORDERS, other.identifier],
      resources: [orders.resources[0]!, other],
      scopes: [],
    };
    expect(rolesForAudience(claims, both).sort()).toEqual(['auditor', 'clerk', 'owner']);
  });
});
