import { SIGNING_ALGORITHMS } from '@latchkey/contracts';
import { openDatabase } from '@latchkey/persistence';
import { createTestDatabase, describeWithBackends } from '@latchkey/testing';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { SystemClock } from '@latchkey/core';

import { KeyEncryption } from '@latchkey/core';
import { rotateKeyEncryptionKey } from './key-encryption.rotation';
import { SigningKeysRepository } from './signing-keys.repository';
import { SigningKeysService } from './signing-keys.service';
import { TOKEN_PERSISTENCE } from '../token.persistence';

jest.setTimeout(60_000);

/**
 * KEY_ENCRYPTION_KEY rotation against a real Postgres: keys sealed with the old key, the
 * `rotate-kek` command with the new key and the old one as previous, then the service with the
 * new key alone.
 */
describeWithBackends(['postgres'], 'rotate-kek (Postgres)', () => {
  const OLD = randomBytes(32).toString('base64url');
  const NEW = randomBytes(32).toString('base64url');
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataSource: DataSource;

  const keysWith = (encryption: KeyEncryption) =>
    new SigningKeysService(new SigningKeysRepository(dataSource), encryption, new SystemClock());
  const sealedRows = async () =>
    (await dataSource.query(
      `SELECT kid, private_jwk_sealed AS sealed FROM token.signing_keys ORDER BY kid`,
    )) as { kid: string; sealed: string }[];

  beforeAll(async () => {
    db = await createTestDatabase('latchkey_rotate_kek');
    dataSource = await openDatabase({ databaseUrl: db.url, ...TOKEN_PERSISTENCE });
    // The token service creates its keys sealed with the old key.
    await keysWith(new KeyEncryption(OLD)).onApplicationBootstrap();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('refuses without the old key, naming the key it cannot open, and changes nothing', async () => {
    const before = await sealedRows();
    await expect(
      rotateKeyEncryptionKey({ DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: NEW }),
    ).rejects.toMatchObject({ code: 'KEY_DECRYPTION_FAILED' });
    expect(await sealedRows()).toEqual(before);
  });

  it('re-encrypts every signing key so that the new key alone unseals them', async () => {
    const before = await sealedRows();
    expect(before).toHaveLength(SIGNING_ALGORITHMS.length);
    const result = await rotateKeyEncryptionKey({
      DATABASE_URL: db.url,
      KEY_ENCRYPTION_KEY: NEW,
      PREVIOUS_KEY_ENCRYPTION_KEYS: OLD,
    });
    expect(result.resealed.sort()).toEqual(before.map((r) => r.kid).sort());
    expect(result.current).toEqual([]);

    const onlyNew = keysWith(new KeyEncryption(NEW));
    const onlyOld = keysWith(new KeyEncryption(OLD));
    for (const alg of SIGNING_ALGORITHMS) {
      await expect(onlyNew.activeKey(alg)).resolves.toMatchObject({ alg });
      await expect(onlyOld.activeKey(alg)).rejects.toMatchObject({
        code: 'KEY_DECRYPTION_FAILED',
      });
    }
  });

  it('is idempotent: a second run finds every key already re-encrypted', async () => {
    const before = await sealedRows();
    const result = await rotateKeyEncryptionKey({
      DATABASE_URL: db.url,
      KEY_ENCRYPTION_KEY: NEW,
      PREVIOUS_KEY_ENCRYPTION_KEYS: OLD,
    });
    expect(result.resealed).toEqual([]);
    expect(result.current).toHaveLength(SIGNING_ALGORITHMS.length);
    expect(await sealedRows()).toEqual(before);
  });
});
