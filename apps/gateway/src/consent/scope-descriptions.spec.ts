import type { ResourceView } from '@latchkey/contracts';
import { describeScopes } from './scope-descriptions';

const resource = (overrides: Partial<ResourceView>): ResourceView => ({
  identifier: 'https://orders.example.test',
  name: 'Orders API',
  scopes: ['orders:read', 'orders:write'],
  roles: [],
  scope_descriptions: { 'orders:read': 'See your orders' },
  access_token_lifetime: 600,
  created_at: '2025-01-01T00:00:00.000Z',
  updated_at: '2025-01-01T00:00:00.000Z',
  ...overrides,
});

describe('describeScopes (the consent page)', () => {
  const orders = resource({});
  const billing = resource({
    identifier: 'https://billing.example.test',
    name: 'Billing API',
    scopes: ['billing:read'],
    scope_descriptions: { 'billing:read': 'See your invoices' },
  });

  it('puts the account first, openid leading, then one group per API with its descriptions', () => {
    expect(
      describeScopes(
        ['billing:read', 'orders:write', 'profile', 'openid', 'orders:read'],
        [orders, billing],
      ),
    ).toEqual([
      {
        scopes: [
          { scope: 'openid', description: 'Sign you in with your account' },
          { scope: 'profile', description: 'See your name and username' },
        ],
      },
      { api: 'Billing API', scopes: [{ scope: 'billing:read', description: 'See your invoices' }] },
      {
        api: 'Orders API',
        scopes: [
          {
            scope: 'orders:write',
            description: 'Use the “orders:write” permission on your behalf',
          },
          { scope: 'orders:read', description: 'See your orders' },
        ],
      },
    ]);
  });

  it('has no account group when only API scopes are asked for', () => {
    expect(describeScopes(['orders:read'], [orders])).toEqual([
      { api: 'Orders API', scopes: [{ scope: 'orders:read', description: 'See your orders' }] },
    ]);
  });
});
