import { KvUnavailableError, MemoryKvStore } from '@latchkey/kv';
import { ACCESS_TOKEN_CLOCK_TOLERANCE_SECONDS } from '@latchkey/oauth';
import { DatabaseUnavailableError } from '@latchkey/persistence';
import { FixedClock } from '@latchkey/core';
import type { ClientsCache } from '@latchkey/registry-client';
import type { TokenClient } from '../clients/client-record';
import { clientRecord } from '../fixtures/registry.fixture';
import { fakeSigningKeys } from '../fixtures/signing-keys.fixture';
import { generateSigningKey, type SigningKeysService } from '../keys/signing-keys.service';
import { PresentedTokenFinder } from '../presented-tokens/presented-token.finder';
import type { GrantManagementService } from '../user-grants/grant-management.service';
import type { GrantEntity } from '../user-grants/grant.entity';
import type { UserGrantsService } from '../user-grants/user-grants.service';
import { AccessTokenSigner } from './access-token.signer';
import { AccessTokenValidator } from './access-token.validator';
import { PublishedKeySet } from '../keys/published-key-set';
import { KEY_SET_CACHE_MS, KEY_SET_REFRESH_COOLDOWN_MS } from '@latchkey/oauth-http';
import type { EntityManager } from 'typeorm';
import { RevokedAccessTokens } from './revoked-access-tokens';
import type { RevokedAccessTokensRepository } from './revoked-access-tokens.repository';

const ISSUER = 'https://id.example.com';
const GID = '6f1c2a52-8f43-4a55-9c1e-0f0f3b1d9a10';

describe('AccessTokenValidator', () => {
  const clock = new FixedClock(new Date('2025-06-01T12:00:00Z'));
  let keys: SigningKeysService;
  let signer: AccessTokenSigner;
  let grants: { findActive: jest.Mock };
  let validator: AccessTokenValidator;
  let jwksCalls: number;
  let kv: MemoryKvStore;
  let revoked: RevokedAccessTokens;
  let durable: Record<'transaction' | 'insert', jest.Mock>;
  /** The registry's clients as the cache answers them (missing: deleted). */
  let registered: Map<string, TokenClient>;
  let clients: ClientsCache;

  beforeEach(async () => {
    clock.set(new Date('2025-06-01T12:00:00Z'));
    const fake = await fakeSigningKeys();
    jwksCalls = 0;
    keys = {
      activeKey: fake.keys.activeKey,
      jwks: async () => {
        jwksCalls += 1;
        return fake.jwks;
      },
    } as unknown as SigningKeysService;
    signer = new AccessTokenSigner(keys, clock, { issuer: ISSUER });
    grants = {
      findActive: jest.fn(async (id: string) =>
        id === GID ? ({ id, sub: 'user-1', clientId: 'web-app' } as GrantEntity) : null,
      ),
    };
    kv = new MemoryKvStore({ now: () => clock.now().getTime() });
    durable = {
      transaction: jest.fn((work: (em: EntityManager) => Promise<unknown>) =>
        work({} as EntityManager),
      ),
      insert: jest.fn(async () => undefined),
    };
    revoked = new RevokedAccessTokens(
      kv,
      clock,
      durable as unknown as RevokedAccessTokensRepository,
    );
    registered = new Map([['web-app', clientRecord({ client_id: 'web-app' })]]);
    clients = {
      get: jest.fn(async (id: string) => registered.get(id) ?? null),
    } as unknown as ClientsCache;
    validator = new AccessTokenValidator(
      new PublishedKeySet(keys, clock),
      grants as unknown as UserGrantsService,
      clock,
      { issuer: ISSUER },
      revoked,
      clients,
    );
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await kv.close();
  });

  const userToken = (claims: Record<string, unknown> = {}, sub = 'user-1') =>
    signer.sign({
      sub,
      client_id: 'web-app',
      aud: ISSUER,
      scopes: ['openid', 'profile'],
      lifetimeSeconds: 600,
      claims: { gid: GID, ...claims },
    });

  it('answers the claims of a live user token, with its grant', async () => {
    const signed = await userToken();
    await expect(validator.validate({ token: signed.token })).resolves.toEqual({
      active: true,
      sub: 'user-1',
      client_id: 'web-app',
      scope: 'openid profile',
      aud: [ISSUER],
      iat: signed.iat,
      exp: signed.exp,
      jti: signed.jti,
      grant_id: GID,
    });
    expect(grants.findActive).toHaveBeenCalledWith(GID);
  });

  it('answers inactive once the grant is revoked', async () => {
    const signed = await userToken();
    grants.findActive.mockResolvedValueOnce(null);
    await expect(validator.validate({ token: signed.token })).resolves.toEqual({ active: false });
  });

  it("answers inactive when the grant is another user's or client's", async () => {
    const signed = await userToken({}, 'user-2');
    await expect(validator.validate({ token: signed.token })).resolves.toEqual({ active: false });
  });

  it('answers inactive once the client is disabled, or deleted, with its grant still live', async () => {
    const signed = await userToken();
    registered.set('web-app', clientRecord({ client_id: 'web-app', disabled: true }));
    await expect(validator.validate({ token: signed.token })).resolves.toEqual({ active: false });
    registered.delete('web-app');
    await expect(validator.validate({ token: signed.token })).resolves.toEqual({ active: false });
    expect(grants.findActive).not.toHaveBeenCalled();
  });

  it('answers inactive for a client token once its client is gone', async () => {
    const signed = await signer.sign({
      sub: 'svc-client',
      client_id: 'svc-client',
      aud: ISSUER,
      scopes: [],
      lifetimeSeconds: 600,
    });
    await expect(validator.validate({ token: signed.token })).resolves.toEqual({ active: false });
    registered.set('svc-client', clientRecord());
    await expect(validator.validate({ token: signed.token })).resolves.toMatchObject({
      active: true,
    });
  });

  it('answers inactive for a grant id of the wrong type', async () => {
    const signed = await userToken({ gid: 42 });
    await expect(validator.validate({ token: signed.token })).resolves.toEqual({ active: false });
  });

  it('answers inactive at exp', async () => {
    const signed = await userToken();
    clock.advance(600_000);
    await expect(validator.validate({ token: signed.token })).resolves.toEqual({ active: false });
  });

  it('reads the key set once, not per token', async () => {
    for (let i = 0; i < 3; i += 1) await validator.validate({ token: (await userToken()).token });
    expect(jwksCalls).toBe(1);
  });

  it('reads the key set again after KEY_SET_CACHE_MS, well before a new key (published 2 min ahead) signs', async () => {
    await validator.validate({ token: (await userToken()).token });
    clock.advance(KEY_SET_CACHE_MS - 1);
    await validator.validate({ token: (await userToken()).token });
    expect(jwksCalls).toBe(1);
    clock.advance(1);
    await validator.validate({ token: (await userToken()).token });
    expect(jwksCalls).toBe(2);
  });

  it('reads the key set again at once when this replica changed the keys', async () => {
    let generation = 0;
    Object.defineProperty(keys, 'keySetGeneration', { get: () => generation });
    await validator.validate({ token: (await userToken()).token });
    await validator.validate({ token: (await userToken()).token });
    expect(jwksCalls).toBe(1);
    generation += 1;
    await validator.validate({ token: (await userToken()).token });
    expect(jwksCalls).toBe(2);
  });

  it('reloads the key set for an unknown key, at most once per cooldown', async () => {
    const rotated = await generateSigningKey('RS256');
    const { importJWK, SignJWT } = await import('jose');
    const privateKey = await importJWK(rotated.privateJwk, 'RS256');
    const token = await new SignJWT({ client_id: 'web-app', gid: GID })
      .setProtectedHeader({ alg: 'RS256', kid: rotated.kid, typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setSubject('user-1')
      .setAudience(ISSUER)
      .setIssuedAt(clock.nowSeconds())
      .setExpirationTime(clock.nowSeconds() + 60)
      .setJti('j')
      .sign(privateKey);
    await validator.validate({ token: (await userToken()).token });
    expect(jwksCalls).toBe(1);
    await expect(validator.validate({ token })).resolves.toEqual({ active: false });
    expect(jwksCalls).toBe(2);
    clock.advance(KEY_SET_REFRESH_COOLDOWN_MS - 1);
    await expect(validator.validate({ token })).resolves.toEqual({ active: false });
    expect(jwksCalls).toBe(2);
    clock.advance(1);
    await expect(validator.validate({ token })).resolves.toEqual({ active: false });
    expect(jwksCalls).toBe(3);
  });

  // The outage travels with its code; the bus filter answers it with 503 (backend-unavailable.ts).
  it('fails with the outage when the database is unreachable, never a verdict on the token', async () => {
    const signed = await userToken();
    const down = new AccessTokenValidator(
      new PublishedKeySet(
        {
          jwks: async () => {
            throw new DatabaseUnavailableError();
          },
        } as unknown as SigningKeysService,
        clock,
      ),
      grants as unknown as UserGrantsService,
      clock,
      { issuer: ISSUER },
      revoked,
      clients,
    );
    await expect(down.validate({ token: signed.token })).rejects.toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
    });
  });

  // One tolerance for every verifier (libs/oauth policy): userinfo asks this validator over the
  // bus, introspection finds access tokens through it; the gateway's admin guard is held to the
  // same boundary in admin.guard.spec.ts.
  describe('expiry, with the platform clock tolerance', () => {
    const atSecond = (seconds: number) => clock.set(new Date(seconds * 1000));
    const introspected = (token: string) =>
      new PresentedTokenFinder(validator, {} as GrantManagementService).find({
        token,
        hint: 'access_token',
      });

    it('accepts a token the last second inside the tolerance, at userinfo and introspection', async () => {
      const signed = await userToken();
      atSecond(signed.exp + ACCESS_TOKEN_CLOCK_TOLERANCE_SECONDS - 1);
      await expect(validator.validate({ token: signed.token })).resolves.toMatchObject({
        active: true,
      });
      await expect(introspected(signed.token)).resolves.toMatchObject({ type: 'access_token' });
    });

    it('refuses it from the first second beyond the tolerance, at userinfo and introspection', async () => {
      const signed = await userToken();
      for (const late of [0, 1, 3]) {
        atSecond(signed.exp + ACCESS_TOKEN_CLOCK_TOLERANCE_SECONDS + late);
        await expect(validator.validate({ token: signed.token })).resolves.toEqual({
          active: false,
        });
        await expect(introspected(signed.token)).resolves.toBeNull();
      }
    });
  });

  describe('the denylist of revoked access tokens (RFC 7009)', () => {
    it('answers inactive for a revoked jti, until exp and a margin, then forgets it', async () => {
      const signed = await userToken();
      const other = await userToken();
      await revoked.revoke(signed.jti, signed.exp);
      await expect(validator.validate({ token: signed.token })).resolves.toEqual({
        active: false,
      });
      await expect(validator.validate({ token: other.token })).resolves.toMatchObject({
        active: true,
      });
      expect(await kv.ttl(`revoked:jti:${signed.jti}`)).toBe((600 + 60) * 1000);
      expect(durable.insert).toHaveBeenCalledWith(expect.anything(), {
        jti: signed.jti,
        expiresAt: new Date((signed.exp + 60) * 1000),
      });
      clock.advance((600 + 60) * 1000);
      expect(await kv.get(`revoked:jti:${signed.jti}`)).toBeNull();
    });

    it('stores nothing for a token that has already expired', async () => {
      const alongside = jest.fn(async () => undefined);
      await revoked.revoke('old-jti', clock.nowSeconds() - 120, alongside);
      expect(await kv.get('revoked:jti:old-jti')).toBeNull();
      expect(durable.insert).not.toHaveBeenCalled();
      expect(alongside).toHaveBeenCalledTimes(1);
    });

    it('fails closed (the outage, 503 at the filter) when the store cannot answer', async () => {
      const signed = await userToken();
      jest.spyOn(kv, 'get').mockRejectedValue(new KvUnavailableError('down'));
      await expect(validator.validate({ token: signed.token })).rejects.toMatchObject({
        code: 'KV_UNAVAILABLE',
      });
    });
  });
});
