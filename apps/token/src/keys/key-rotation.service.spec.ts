import { expect } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { RecordingAuditClient, uniqueSuffix } from '@latchkey/testing';
import { openDatabase } from '@latchkey/persistence';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { DataSource } from 'typeorm';
import { AccessTokenSigner } from '../access-tokens/access-token.signer';
import { FixedClock } from '@latchkey/core';
import { TOKEN_PERSISTENCE } from '../token.persistence';
import { KeyEncryption } from '@latchkey/core';
import { retiredKeyPublishUntil } from './key-rotation.policy';
import { KeyRotationService } from './key-rotation.service';
import { SigningKeysRepository } from './signing-keys.repository';
import { SigningKeysService } from './signing-keys.service';

const ISSUER = 'https://id.example.test';
const DAY_MS = 24 * 3600_000;

/**
 * The rotation protocol on PGlite with a frozen clock: next (published, not signing), active
 * after the publish-ahead time, the previous key retired and published while its tokens live,
 * then deleted.
 */
describe('KeyRotationService (PGlite)', () => {
  const start = Math.floor(Date.now() / 1000) * 1000;
  let dataSource: DataSource;
  let clock: FixedClock;
  let keys: SigningKeysService;
  let rotation: KeyRotationService;
  let audit: RecordingAuditClient;
  let signer: AccessTokenSigner;

  beforeAll(async () => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    dataSource = await openDatabase({
      dataDir: `memory://key-rotation-${uniqueSuffix()}`,
      ...TOKEN_PERSISTENCE,
    });
  });

  afterAll(async () => {
    await dataSource.destroy();
    jest.restoreAllMocks();
  });

  // A fresh key table, and fresh services (their caches), for each test.
  beforeEach(async () => {
    await dataSource.query(`DELETE FROM token.signing_keys`);
    clock = new FixedClock(start);
    const repo = new SigningKeysRepository(dataSource);
    keys = new SigningKeysService(repo, new KeyEncryption('k'.repeat(40)), clock);
    await keys.onApplicationBootstrap();
    audit = new RecordingAuditClient('token');
    rotation = new KeyRotationService(repo, keys, clock, audit, {
      issuer: ISSUER,
      keyRotation: { intervalHours: 720, publishAheadSeconds: 120 },
    });
    signer = new AccessTokenSigner(keys, clock, { issuer: ISSUER });
  });

  const rows = () =>
    dataSource.query(
      `SELECT kid, alg, status, activate_at, publish_until FROM token.signing_keys ORDER BY alg, created_at`,
    ) as Promise<
      {
        kid: string;
        alg: string;
        status: string;
        activate_at: Date | null;
        publish_until: Date | null;
      }[]
    >;
  const kidsOf = async () => (await keys.jwks()).keys.map((key) => key.kid);
  const sign = async () =>
    (
      await signer.sign({
        sub: 's',
        client_id: 'c',
        aud: ISSUER,
        scopes: [],
        lifetimeSeconds: 3600,
      })
    ).token;
  const verify = async (token: string) =>
    jwtVerify(token, createLocalJWKSet(await keys.jwks()), {
      issuer: ISSUER,
      currentDate: clock.now(),
    });

  it('publishes a next key for every algorithm that does not sign until its time', async () => {
    const before = (await keys.activeKey('RS256')).kid;
    const answer = await rotation.rotateNow();
    expect(answer.rotated.map((r) => r.alg)).toEqual(['RS256', 'ES256', 'EdDSA']);
    const rsa = answer.rotated[0]!;
    expect(rsa).toEqual({
      alg: 'RS256',
      kid: expect.any(String),
      previous_kid: before,
      activates_at: new Date(start + 120_000).toISOString(),
    });
    expect(await kidsOf()).toEqual(expect.arrayContaining([before, rsa.kid]));
    expect((await rows()).filter((row) => row.status === 'next')).toHaveLength(3);

    clock.advance(119_000);
    expect(await rotation.step()).toEqual({ promoted: [], started: [], deleted: [] });
    expect(decodeProtectedHeader(await sign()).kid).toBe(before);
  });

  it('records key.rotated once per algorithm, in the transaction that inserts the key', async () => {
    const answer = await rotation.rotateNow();
    expect(audit.ofType('key.rotated').map((event) => [event.subject, event.data])).toEqual(
      answer.rotated.map((rotated) => [
        rotated.kid,
        { ...rotated, trigger: 'on_demand', actor: { type: 'service', id: 'token' } },
      ]),
    );
  });

  it('does not rotate twice when asked twice: the pending key is the answer', async () => {
    const first = await rotation.rotateNow();
    clock.advance(30_000);
    const second = await rotation.rotateNow();
    expect(second).toEqual(first);
    expect((await rows()).filter((row) => row.status === 'next')).toHaveLength(3);
    expect(audit.ofType('key.rotated')).toHaveLength(3);
  });

  it('promotes at activates_at: new tokens use the new key, old ones still verify', async () => {
    const oldToken = await sign();
    const oldKid = decodeProtectedHeader(oldToken).kid!;
    const { rotated } = await rotation.rotateNow();
    const newKid = rotated[0]!.kid;

    clock.set(start + 120_000);
    const step = await rotation.step();
    expect(step.promoted).toEqual(
      expect.arrayContaining([{ alg: 'RS256', kid: newKid, previous_kid: oldKid }]),
    );
    expect(step.promoted).toHaveLength(3);

    const newToken = await sign();
    expect(decodeProtectedHeader(newToken).kid).toBe(newKid);
    await expect(verify(oldToken)).resolves.toMatchObject({ protectedHeader: { kid: oldKid } });
    await expect(verify(newToken)).resolves.toMatchObject({ protectedHeader: { kid: newKid } });

    const old = (await rows()).find((row) => row.kid === oldKid)!;
    expect(old.status).toBe('retired');
    expect(old.publish_until).toEqual(retiredKeyPublishUntil(clock.now()));
    expect((await rows()).filter((row) => row.status === 'active')).toHaveLength(3);
  });

  it('removes the retired key from the JWKS after publish_until, then deletes it', async () => {
    const oldKid = (await keys.activeKey('RS256')).kid;
    await rotation.rotateNow();
    clock.set(start + 120_000);
    await rotation.step();
    const publishUntil = retiredKeyPublishUntil(clock.now()).getTime();

    clock.set(publishUntil - 1000);
    expect(await kidsOf()).toContain(oldKid);
    clock.set(publishUntil);
    expect(await kidsOf()).not.toContain(oldKid);
    const step = await rotation.step();
    expect(step.deleted).toEqual(expect.arrayContaining([oldKid]));
    expect((await rows()).map((row) => row.kid)).not.toContain(oldKid);
    expect((await rows()).map((row) => row.status)).toEqual(['active', 'active', 'active']);
  });

  it('starts a scheduled rotation once the active key has signed for the interval', async () => {
    clock.set(start + 29 * DAY_MS);
    expect((await rotation.step()).started).toEqual([]);
    clock.set(start + 30 * DAY_MS + 60_000);
    const step = await rotation.step();
    expect(step.started.map((started) => started.alg).sort()).toEqual(['ES256', 'EdDSA', 'RS256']);
    expect(audit.ofType('key.rotated').map((event) => event.data.trigger)).toEqual([
      'scheduled',
      'scheduled',
      'scheduled',
    ]);
    // Pending: the next tick does not start another one.
    expect((await rotation.step()).started).toEqual([]);
    clock.advance(120_000);
    expect((await rotation.step()).promoted).toHaveLength(3);
    // The new active keys count their interval from their activation.
    clock.advance(29 * DAY_MS);
    expect((await rotation.step()).started).toEqual([]);
  });

  it('never rotates on schedule when the interval is 0', async () => {
    const off = new KeyRotationService(new SigningKeysRepository(dataSource), keys, clock, audit, {
      issuer: ISSUER,
      keyRotation: { intervalHours: 0, publishAheadSeconds: 120 },
    });
    clock.set(start + 3650 * DAY_MS);
    expect(await off.step()).toEqual({ promoted: [], started: [], deleted: [] });
  });

  it('agrees when replicas step at once: one promotion, one active key per algorithm', async () => {
    await rotation.rotateNow();
    clock.set(start + 120_000);
    const replicas = [0, 1, 2].map(
      () =>
        new KeyRotationService(new SigningKeysRepository(dataSource), keys, clock, audit, {
          issuer: ISSUER,
          keyRotation: { intervalHours: 720, publishAheadSeconds: 120 },
        }),
    );
    const steps = await Promise.all(replicas.map((replica) => replica.step()));
    expect(steps.flatMap((step) => step.promoted)).toHaveLength(3);
    const statuses = (await rows()).map((row) => row.status).sort();
    expect(statuses).toEqual(['active', 'active', 'active', 'retired', 'retired', 'retired']);
  });
});
