import { resealEach, type ResealResult, rotateKeyEncryption } from '@latchkey/platform';
import type { DataSource } from 'typeorm';
import { TOKEN_PERSISTENCE } from '../token.persistence';
import { KeyEncryption } from '@latchkey/core';
import { SigningKeysRepository } from './signing-keys.repository';

export type { ResealResult };

/**
 * Seals every stored signing key with the current KEY_ENCRYPTION_KEY, in one transaction under
 * the rotation lock (no replica inserts or promotes a key meanwhile). All or nothing: a row that
 * no configured key opens aborts the whole run, naming its kid, and changes nothing.
 */
export async function resealSigningKeys(
  dataSource: DataSource,
  encryption: KeyEncryption,
): Promise<ResealResult> {
  const keys = new SigningKeysRepository(dataSource);
  return keys.withRotationLock(async (em) => {
    const rows = (await keys.findAll(em)).map((row) => ({
      id: row.kid,
      sealed: row.privateJwkSealed,
      aad: row.kid,
    }));
    return resealEach(encryption, rows, (kid, sealed) => keys.updateSealed(em, kid, sealed));
  });
}

/**
 * `node dist/apps/token/main.js rotate-kek`: with KEY_ENCRYPTION_KEY set to the new key and
 * PREVIOUS_KEY_ENCRYPTION_KEYS to the old ones (the same environment the token service runs
 * with during the change), re-encrypts the stored signing keys so the old keys can be retired.
 */
export async function rotateKeyEncryptionKey(
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResealResult> {
  return rotateKeyEncryption(env, TOKEN_PERSISTENCE, resealSigningKeys);
}
