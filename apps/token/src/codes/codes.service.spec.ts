import type { ClaimScopesCache } from '@latchkey/registry-client';
import { expectOAuthRejection, RecordingAuditClient } from '@latchkey/testing';
import { Logger } from '@nestjs/common';
import { KvUnavailableError, MemoryKvStore, type KvStore } from '@latchkey/kv';
import { InvalidGrant, InvalidRequest, sha256Base64Url } from '@latchkey/oauth';
import { FixedClock } from '@latchkey/core';
import type { TokenClient } from '../clients/client-record';
import type { ClientsCache, ResourcesCache } from '@latchkey/registry-client';
import { AudienceResolver } from '../access-tokens/audience.resolver';
import type { TokenConfig } from '../token.config';
import { codeRequest, pkcePair, webClient } from '../fixtures/user-flow.fixture';
import type { GrantOwner, UserGrantsService } from '../user-grants/user-grants.service';
import { CodesService } from './codes.service';
import { CodesStore } from './codes.store';

describe('CodesService', () => {
  const clock = new FixedClock(new Date('2025-06-01T12:00:00Z'));
  let kv: MemoryKvStore;
  let revoked: GrantOwner[];
  let codes: CodesService;
  let audit: RecordingAuditClient;

  const build = (store: KvStore) => {
    audit = new RecordingAuditClient('token');
    const clients = {
      get: async (id: string): Promise<TokenClient | null> =>
        id === 'web-app' ? webClient() : null,
    } as unknown as ClientsCache;
    const grants = {
      revokeForCodeReuse: async (owner: GrantOwner) => void revoked.push(owner),
    } as unknown as UserGrantsService;
    const resources = { all: async () => [] } as unknown as ResourcesCache;
    const audiences = new AudienceResolver(
      resources,
      { all: async () => new Map() } as unknown as ClaimScopesCache,
      {
        issuer: 'https://id.example',
      } as TokenConfig,
    );
    return new CodesService(new CodesStore(store), clients, grants, clock, audit, audiences);
  };

  beforeEach(() => {
    clock.set(new Date('2025-06-01T12:00:00Z'));
    kv = new MemoryKvStore({ now: () => clock.now().getTime(), sweepIntervalMs: 0 });
    revoked = [];
    codes = build(kv);
  });

  afterEach(async () => {
    await kv.close();
    jest.restoreAllMocks();
  });

  it('issues a 256-bit code stored 60 s under its SHA-256, with its bindings', async () => {
    const request = codeRequest({}, pkcePair());
    const { code, expires_in } = await codes.issue(request);
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(expires_in).toBe(60);
    expect(await kv.get(`code:${code}`)).toBeNull();
    expect(JSON.parse((await kv.get(`code:${sha256Base64Url(code)}`))!)).toEqual({
      ...request,
      expires_at: clock.now().getTime() + 60_000,
    });
    expect(await kv.ttl(`code:${sha256Base64Url(code)}`)).toBe(60_000);
  });

  it('checks the request against the client before storing anything', async () => {
    await expectOAuthRejection(
      codes.issue(codeRequest({ client_id: 'ghost' })),
      InvalidRequest,
      'invalid_request',
    );
    await expectOAuthRejection(codes.issue({}), InvalidRequest, 'invalid_request');
  });

  it('redeems a code once, handing back its bindings and a fresh grant id', async () => {
    const request = codeRequest({}, pkcePair());
    const { code } = await codes.issue(request);
    const redeemed = await codes.redeem(code);
    expect(redeemed.binding).toMatchObject(request);
    expect(redeemed.grantId).toMatch(/^[0-9a-f-]{36}$/);
    await expectOAuthRejection(codes.redeem(code), InvalidGrant, 'invalid_grant');
  });

  it('gives the code to exactly one of 20 concurrent redemptions', async () => {
    const { code } = await codes.issue(codeRequest());
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => codes.redeem(code)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('on a second redemption, revokes the grant of the first and logs it without the code', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { code } = await codes.issue(codeRequest({ sub: 'user-9' }));
    const { grantId } = await codes.redeem(code);
    await expectOAuthRejection(
      codes.redeem(code),
      InvalidGrant,
      'invalid_grant',
      /invalid, expired or already used/,
    );
    expect(revoked).toEqual([{ grantId, clientId: 'web-app', sub: 'user-9' }]);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({
        event: 'token.code_reuse_detected',
        client_id: 'web-app',
        sub: 'user-9',
        grant_id: grantId,
      }),
    );
    expect(JSON.stringify(warn.mock.calls)).not.toContain(code);
    expect(JSON.stringify(warn.mock.calls)).not.toContain(sha256Base64Url(code));
    const [event] = audit.ofType('token.code_reuse_detected');
    expect(event).toMatchObject({
      subject: 'user-9',
      data: { client_id: 'web-app', sub: 'user-9', grant: grantId },
    });
    expect(JSON.stringify(audit.events)).not.toContain(code);
  });

  it('remembers a redemption for 10 minutes only', async () => {
    const { code } = await codes.issue(codeRequest());
    await codes.redeem(code);
    expect(await kv.ttl(`code:redeemed:${sha256Base64Url(code)}`)).toBe(600_000);
    clock.advance(600_000);
    await expectOAuthRejection(codes.redeem(code), InvalidGrant, 'invalid_grant');
    expect(revoked).toEqual([]);
  });

  it('refuses a code past its 60 s on the service clock, even if the store still has it', async () => {
    const long = new MemoryKvStore({ sweepIntervalMs: 0 }); // its own clock: real time
    codes = build(long);
    const { code } = await codes.issue(codeRequest());
    clock.advance(60_000);
    await expectOAuthRejection(codes.redeem(code), InvalidGrant, 'invalid_grant', /expired/);
    // An expired code starts no grant, so it leaves nothing to revoke behind.
    expect(await long.get(`code:redeemed:${sha256Base64Url(code)}`)).toBeNull();
    await long.close();
  });

  it('lets the store forget an expired code (TTL)', async () => {
    const { code } = await codes.issue(codeRequest());
    clock.advance(60_001);
    await expectOAuthRejection(codes.redeem(code), InvalidGrant, 'invalid_grant');
  });

  it('refuses unknown, empty and oversized codes without a replay alarm', async () => {
    for (const code of ['unknown', '', 'x'.repeat(300)]) {
      await expectOAuthRejection(codes.redeem(code), InvalidGrant, 'invalid_grant');
    }
    expect(revoked).toEqual([]);
  });

  it('fails closed (the outage, 503 at the filter) when the store is down', async () => {
    const down = {
      setIfAbsent: async () => {
        throw new KvUnavailableError();
      },
      getDel: async () => {
        throw new KvUnavailableError();
      },
    } as unknown as KvStore;
    codes = build(down);
    await expect(codes.issue(codeRequest())).rejects.toMatchObject({ code: 'KV_UNAVAILABLE' });
    await expect(codes.redeem('a'.repeat(43))).rejects.toMatchObject({ code: 'KV_UNAVAILABLE' });
  });
});
