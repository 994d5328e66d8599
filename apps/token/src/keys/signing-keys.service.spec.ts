import { openDatabase } from '@latchkey/persistence';
import { jwtVerify, SignJWT, createLocalJWKSet } from 'jose';
import type { DataSource } from 'typeorm';
import { SystemClock } from '@latchkey/core';
import { TOKEN_PERSISTENCE } from '../token.persistence';
import { KeyEncryption } from '@latchkey/core';
import { SigningKeysRepository } from './signing-keys.repository';
import { SigningKeysService } from './signing-keys.service';

describe('SigningKeysService (PGlite)', () => {
  let dataSource: DataSource;
  const encryption = new KeyEncryption('k'.repeat(40));

  // Opening PGlite and running the migrations takes seconds on a loaded machine.
  beforeAll(async () => {
    dataSource = await openDatabase({ dataDir: 'memory://signing-keys', ...TOKEN_PERSISTENCE });
  }, 60_000);
  afterAll(() => dataSource.destroy());

  const service = () =>
    new SigningKeysService(new SigningKeysRepository(dataSource), encryption, new SystemClock());

  it('agrees on one active key per algorithm when replicas start at once', async () => {
    await Promise.all([
      service().onApplicationBootstrap(),
      service().onApplicationBootstrap(),
      service().onApplicationBootstrap(),
    ]);
    const rows: unknown = await dataSource.query(
      `SELECT alg, count(*)::int AS n FROM token.signing_keys WHERE status = 'active' GROUP BY alg ORDER BY alg`,
    );
    expect(rows).toEqual([
      { alg: 'ES256', n: 1 },
      { alg: 'EdDSA', n: 1 },
      { alg: 'RS256', n: 1 },
    ]);
  });

  it('signs with the active key and the JWKS verifies it', async () => {
    const keys = service();
    const jwks = await keys.jwks();
    expect(jwks.keys).toHaveLength(3);
    for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
      const active = await keys.activeKey(alg);
      const jwt = await new SignJWT({ hello: 'world' })
        .setProtectedHeader({ alg, kid: active.kid })
        .sign(active.privateKey);
      const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(jwks));
      expect(payload.hello).toBe('world');
      expect(protectedHeader.kid).toBe(active.kid);
    }
  });

  it('refuses to load a private key with the wrong encryption key', async () => {
    const wrong = new SigningKeysService(
      new SigningKeysRepository(dataSource),
      new KeyEncryption('x'.repeat(40)),
      new SystemClock(),
    );
    await expect(wrong.activeKey('RS256')).rejects.toMatchObject({ code: 'KEY_DECRYPTION_FAILED' });
  });
});
