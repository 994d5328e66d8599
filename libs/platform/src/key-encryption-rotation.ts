import { loadConfig } from '@latchkey/config';
import { KeyEncryption } from '@latchkey/core';
import { openDatabase, type ServicePersistenceOptions } from '@latchkey/persistence';
import type { DataSource } from 'typeorm';

/**
 * A service's half of replacing KEY_ENCRYPTION_KEY (`main.js rotate-kek`, docs/operations.md):
 * opens the service's database with the environment it runs with (the new key as
 * KEY_ENCRYPTION_KEY, the old ones as PREVIOUS_KEY_ENCRYPTION_KEYS) and lets `reseal` seal what
 * it stores again with the new key.
 */
export async function rotateKeyEncryption<T>(
  env: NodeJS.ProcessEnv,
  persistence: ServicePersistenceOptions,
  reseal: (dataSource: DataSource, encryption: KeyEncryption) => Promise<T>,
): Promise<T> {
  const config = loadConfig(env, { require: ['database', 'keyEncryptionKey'] });
  const dataSource = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    ...persistence,
  });
  try {
    return await reseal(
      dataSource,
      new KeyEncryption(config.keyEncryptionKey!, config.previousKeyEncryptionKeys),
    );
  } finally {
    await dataSource.destroy();
  }
}

/** What a reseal did: the rows sealed again with the current key, and those that already were. */
export interface ResealResult {
  resealed: string[];
  current: string[];
}

/**
 * Seals each sealed value with the current key (inside the caller's transaction), naming each row
 * by its id; a value no configured key opens throws, so the caller's transaction changes nothing.
 */
export async function resealEach(
  encryption: KeyEncryption,
  rows: readonly { id: string; sealed: string; aad: string }[],
  update: (id: string, sealed: string) => Promise<void>,
): Promise<ResealResult> {
  const result: ResealResult = { resealed: [], current: [] };
  for (const row of rows) {
    const resealed = encryption.reseal(row.sealed, row.aad);
    if (resealed === undefined) {
      result.current.push(row.id);
    } else {
      await update(row.id, resealed);
      result.resealed.push(row.id);
    }
  }
  return result;
}
