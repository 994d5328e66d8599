import type { ServicePersistenceOptions } from '@latchkey/persistence';
import { SigningKeyEntity } from './keys/signing-key.entity';
import { SigningKeys1732200000000 } from './migrations/1732200000000-signing-keys';

/** The token service's tables live in the `token` schema; only these migrations touch it. */
export const TOKEN_PERSISTENCE: ServicePersistenceOptions = {
  schema: 'token',
  entities: [SigningKeyEntity],
  migrations: [SigningKeys1732200000000],
};
