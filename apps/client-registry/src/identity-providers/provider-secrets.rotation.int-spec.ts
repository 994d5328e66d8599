import { KeyEncryption } from '@latchkey/core';
import { openDatabase } from '@latchkey/persistence';
import { createTestDatabase, describeWithBackends } from '@latchkey/testing';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { CLIENT_REGISTRY_PERSISTENCE } from '../client-registry.persistence';
import { IdentityProvidersRepository } from './identity-providers.repository';
import { aadOf } from './provider-secrets';
import { rotateProviderSecretsKey } from './provider-secrets.rotation';

jest.setTimeout(60_000);

/**
 * KEY_ENCRYPTION_KEY rotation of the upstream identity providers' secrets against a real
 * Postgres: secrets sealed with the old key, the registry's `rotate-kek` with the new key and the
 * old one as previous, then the new key alone opens them.
 */
describeWithBackends(['postgres'], 'client-registry rotate-kek (Postgres)', () => {
  const OLD = randomBytes(32).toString('base64url');
  const NEW = randomBytes(32).toString('base64url');
  const SECRETS: Record<string, string> = { corp: 'upstream-secret', directory: 'bind-password' };
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataSource: DataSource;

  const sealedRows = async () =>
    (await dataSource.query(
      `SELECT id, client_secret_sealed AS sealed FROM client_registry.identity_providers
        WHERE client_secret_sealed IS NOT NULL ORDER BY id`,
    )) as { id: string; sealed: string }[];

  beforeAll(async () => {
    db = await createTestDatabase('latchkey_registry_rotate_kek');
    dataSource = await openDatabase({ databaseUrl: db.url, ...CLIENT_REGISTRY_PERSISTENCE });
    const old = new KeyEncryption(OLD);
    const providers = new IdentityProvidersRepository();
    const now = new Date();
    for (const id of ['corp', 'directory', 'public']) {
      await providers.insertIfAbsent(dataSource.manager, {
        id,
        kind: 'oidc',
        displayName: id,
        enabled: true,
        clientIds: null,
        domains: [],
        issuer: `https://${id}.example.com`,
        authorizationEndpoint: null,
        tokenEndpoint: null,
        userinfoEndpoint: null,
        jwksUri: null,
        clientId: 'latchkey',
        clientAuthMethod: 'client_secret_basic',
        clientSecretSealed: id in SECRETS ? old.encrypt(SECRETS[id], aadOf(id)) : null,
        scopes: ['openid'],
        subjectClaim: 'sub',
        claimMapping: {},
        useUserinfo: false,
        linkByVerifiedEmail: false,
        ldap: null,
        createdAt: now,
        updatedAt: now,
      });
    }
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('refuses without the old key, naming the failure, and changes nothing', async () => {
    const before = await sealedRows();
    await expect(
      rotateProviderSecretsKey({ DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: NEW }),
    ).rejects.toMatchObject({ code: 'KEY_DECRYPTION_FAILED' });
    expect(await sealedRows()).toEqual(before);
  });

  it('re-encrypts every provider secret so that the new key alone opens it', async () => {
    const result = await rotateProviderSecretsKey({
      DATABASE_URL: db.url,
      KEY_ENCRYPTION_KEY: NEW,
      PREVIOUS_KEY_ENCRYPTION_KEYS: OLD,
    });
    expect(result).toEqual({ resealed: ['corp', 'directory'], current: [] });
    for (const row of await sealedRows()) {
      expect(new KeyEncryption(NEW).decrypt(row.sealed, aadOf(row.id))).toBe(SECRETS[row.id]);
      expect(() => new KeyEncryption(OLD).decrypt(row.sealed, aadOf(row.id))).toThrow();
    }
  });

  it('is idempotent: a second run finds every secret already re-encrypted', async () => {
    const before = await sealedRows();
    const result = await rotateProviderSecretsKey({
      DATABASE_URL: db.url,
      KEY_ENCRYPTION_KEY: NEW,
      PREVIOUS_KEY_ENCRYPTION_KEYS: OLD,
    });
    expect(result).toEqual({ resealed: [], current: ['corp', 'directory'] });
    expect(await sealedRows()).toEqual(before);
  });
});
