import { auditOutboxMigration } from '@latchkey/audit-client';
import type { ServicePersistenceOptions } from '@latchkey/persistence';
import { ConsentEntity } from './consent/consent.entity';
import { Users1732200000300 } from './migrations/1732200000300-users';
import { Consents1732200000400 } from './migrations/1732200000400-consents';
import { BackchannelDeliveries1733100000000 } from './migrations/1733100000000-backchannel-deliveries';
import { UserAuthorizationData1734200000100 } from './migrations/1734200000100-user-authorization-data';
import { FederatedIdentities1734700000300 } from './migrations/1734700000300-federated-identities';
import { FederatedIdentityEntity } from './users/federated-identity.entity';
import { UserEntity } from './users/user.entity';

/**
 * Users, remembered consents and pending back-channel logout deliveries live in the `gateway`
 * schema (sessions are in the KV store).
 */
export const GATEWAY_PERSISTENCE: ServicePersistenceOptions = {
  schema: 'gateway',
  entities: [UserEntity, ConsentEntity, FederatedIdentityEntity],
  migrations: [
    Users1732200000300,
    Consents1732200000400,
    auditOutboxMigration('gateway'),
    BackchannelDeliveries1733100000000,
    UserAuthorizationData1734200000100,
    FederatedIdentities1734700000300,
  ],
};
