import type { Logger } from '@nestjs/common';
import type { SigningAlgorithm } from '@latchkey/contracts';
import { TemporarilyUnavailable } from '@latchkey/oauth';
import { isDatabaseUnavailable } from '@latchkey/persistence';
import type { ActiveSigningKey, SigningKeysService } from './signing-keys.service';

/** No key, no token: a database that cannot be reached is a 503, never an unsigned fallback. */
export async function activeKeyOrUnavailable(
  keys: SigningKeysService,
  alg: SigningAlgorithm | undefined,
  logger: Logger,
): Promise<ActiveSigningKey> {
  try {
    return await keys.activeKey(alg);
  } catch (err) {
    if (isDatabaseUnavailable(err)) {
      logger.warn(`no signing key: database unavailable (${(err as Error).message})`);
      throw new TemporarilyUnavailable();
    }
    throw err;
  }
}
