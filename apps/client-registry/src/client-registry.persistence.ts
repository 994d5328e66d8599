import { auditOutboxMigration } from '@latchkey/audit-client';
import type { ServicePersistenceOptions } from '@latchkey/persistence';
import { ClientSecretEntity } from './clients/client-secret.entity';
import { ClientEntity } from './clients/client.entity';
import { ClientRegistry1732200000200 } from './migrations/1732200000200-client-registry';
import { IdentityProviderEntity } from './identity-providers/identity-provider.entity';
import { IdentityProviders1734700000100 } from './migrations/1734700000100-identity-providers';
import { LdapIdentityProviders1734900000100 } from './migrations/1734900000100-ldap-identity-providers';
import { InitialAccessTokenPolicy1733100000100 } from './migrations/1733100000100-initial-access-token-policy';
import { ResourceScopeDescriptions1734100000000 } from './migrations/1734100000000-resource-scope-descriptions';
import { InitialAccessTokenEntity } from './registration/initial-access-token.entity';
import { RolesAndClaimScopes1734200000200 } from './migrations/1734200000200-roles-and-claim-scopes';
import { ClaimScopeEntity } from './claim-scopes/claim-scope.entity';
import { ResourceEntity } from './resources/resource.entity';

/** The registry's tables live in the `client_registry` schema; only these migrations touch it. */
export const CLIENT_REGISTRY_PERSISTENCE: ServicePersistenceOptions = {
  schema: 'client_registry',
  entities: [
    ClientEntity,
    ClientSecretEntity,
    InitialAccessTokenEntity,
    ResourceEntity,
    ClaimScopeEntity,
    IdentityProviderEntity,
  ],
  migrations: [
    ClientRegistry1732200000200,
    auditOutboxMigration('client_registry'),
    InitialAccessTokenPolicy1733100000100,
    ResourceScopeDescriptions1734100000000,
    RolesAndClaimScopes1734200000200,
    IdentityProviders1734700000100,
    LdapIdentityProviders1734900000100,
  ],
};
