import type { ServicePersistenceOptions } from '@latchkey/persistence';

/** Users, sessions' durable parts and remembered consents live in the `gateway` schema. */
export const GATEWAY_PERSISTENCE: ServicePersistenceOptions = {
  schema: 'gateway',
  entities: [],
  migrations: [],
};
