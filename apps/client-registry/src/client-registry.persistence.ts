import type { ServicePersistenceOptions } from '@latchkey/persistence';

/** The registry's tables live in the `client_registry` schema; only these migrations touch it. */
export const CLIENT_REGISTRY_PERSISTENCE: ServicePersistenceOptions = {
  schema: 'client_registry',
  entities: [],
  migrations: [],
};
