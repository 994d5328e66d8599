import { KeyEncryption } from '@latchkey/core';
import { resealEach, type ResealResult, rotateKeyEncryption } from '@latchkey/platform';
import type { DataSource } from 'typeorm';
import { CLIENT_REGISTRY_PERSISTENCE } from '../client-registry.persistence';
import { IdentityProvidersRepository } from './identity-providers.repository';
import { aadOf } from './provider-secrets';

/** Provider ids: those whose secret was sealed again with KEY_ENCRYPTION_KEY, and those that already were. */
export type ProviderResealResult = ResealResult;

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
    const rows = (await providers.lockAllWithSecrets(em)).map((row) => ({
      id: row.id,
      sealed: row.clientSecretSealed!,
      aad: aadOf(row.id),
    }));
    return resealEach(encryption, rows, (id, sealed) =>
      providers.updateSealedSecret(em, id, sealed),
    );
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
