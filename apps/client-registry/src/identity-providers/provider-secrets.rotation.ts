import { KeyEncryption } from '@latchkey/core';
import { rotateKeyEncryption } from '@latchkey/platform';
import type { DataSource } from 'typeorm';
import { CLIENT_REGISTRY_PERSISTENCE } from '../client-registry.persistence';
import { IdentityProvidersRepository } from './identity-providers.repository';
import { aadOf } from './provider-secrets';

export interface ProviderResealResult {
  /** Providers whose secret was sealed again with KEY_ENCRYPTION_KEY. */
  resealed: string[];
  /** Providers whose secret already was. */
  current: string[];
}

/**
 * Seals every stored upstream secret (client secret, LDAP bind password, private JWK) with the
 * current KEY_ENCRYPTION_KEY, in one transaction with the rows locked. All or nothing, as for
 * the signing keys: a secret that no configured key opens aborts the run and changes nothing.
 */
export async function resealProviderSecrets(
  dataSource: DataSource,
  encryption: KeyEncryption,
): Promise<ProviderResealResult> {
  const providers = new IdentityProvidersRepository();
  return dataSource.transaction(async (em) => {
    const result: ProviderResealResult = { resealed: [], current: [] };
    for (const row of await providers.lockAllWithSecrets(em)) {
      const resealed = encryption.reseal(row.clientSecretSealed!, aadOf(row.id));
      if (resealed === undefined) {
        result.current.push(row.id);
      } else {
        await providers.updateSealedSecret(em, row.id, resealed);
        result.resealed.push(row.id);
      }
    }
    return result;
  });
}

/**
 * `node dist/apps/client-registry/main.js rotate-kek`: the registry's half of replacing
 * KEY_ENCRYPTION_KEY (the token service re-seals its signing keys), with the new key as
 * KEY_ENCRYPTION_KEY and the old ones as PREVIOUS_KEY_ENCRYPTION_KEYS.
 */
export async function rotateProviderSecretsKey(
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProviderResealResult> {
  return rotateKeyEncryption(env, CLIENT_REGISTRY_PERSISTENCE, resealProviderSecrets);
}
