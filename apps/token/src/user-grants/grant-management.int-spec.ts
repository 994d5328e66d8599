import { loadConfig, type PlatformConfig } from '@latchkey/config';
import { TokenSubjects } from '@latchkey/contracts';
import { InvalidGrant, InvalidRequest, NotFound } from '@latchkey/oauth';
import { expectOAuthRejection, uniqueSuffix } from '@latchkey/testing';
import { FixedClock } from '@latchkey/core';
import { FakeRegistryState } from '../fixtures/registry.fixture';
import { startTokenApp, type TokenApp } from '../fixtures/token-app.fixture';
import {
  accessTokenIds,
  LIFECYCLE_ISSUER as ISSUER,
  lifecycleCalls,
  type LifecycleCalls,
  putLifecycleClients,
  signIn,
} from '../fixtures/token-lifecycle.fixture';
import { userFlowCalls, type UserFlowCalls } from '../fixtures/user-flow.fixture';

jest.setTimeout(60_000);

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

/** `token.grants.list` and `token.grants.revoke` over the in-process bus. */
describe('grant management over the in-process bus', () => {
  const start = Math.floor(Date.now() / 1000) * 1000;
  const clock = new FixedClock(start);
  const registry = new FakeRegistryState();
  let service: TokenApp;
  let calls: UserFlowCalls;
  let lifecycle: LifecycleCalls;

  beforeAll(async () => {
    putLifecycleClients(registry);
    const config: PlatformConfig = {
      ...loadConfig({
        ISSUER,
        LOG_LEVEL: 'silent',
        KEY_ENCRYPTION_KEY: 'int-spec-key-encryption-key-0123456789',
      }),
      dataDir: `memory://grant-management-${uniqueSuffix()}`,
    };
    service = await startTokenApp(config, registry, clock);
    calls = userFlowCalls(service.bus);
    lifecycle = lifecycleCalls(service.bus);
  });

  afterEach(() => clock.set(start));

  afterAll(async () => {
    await service?.close();
  });

  const grantOf = (accessToken: string) => accessTokenIds(accessToken).gid!;

  describe('token.grants.list', () => {
    it("lists the user's live grants newest first, with the GrantView members", async () => {
      const sub = `user-${uniqueSuffix()}`;
      const first = await signIn(calls, { sub, sid: 'sid-1' });
      clock.advance(1000);
      const second = await signIn(calls, { sub, sid: 'sid-2', client_id: 'other-app' });
      await signIn(calls, { sub: 'someone-else' });
      const { items } = await lifecycle.listGrants(sub);
      expect(items).toEqual([
        {
          id: grantOf(second.access_token),
          client_id: 'other-app',
          sub,
          scope: 'openid profile offline_access',
          sid: 'sid-2',
          created_at: new Date(start + 1000).toISOString(),
          revoked_at: null,
        },
        {
          id: grantOf(first.access_token),
          client_id: 'web-app',
          sub,
          scope: 'openid profile offline_access',
          sid: 'sid-1',
          created_at: new Date(start).toISOString(),
          revoked_at: null,
        },
      ]);
    });

    it('keeps revoked grants for 30 days, then leaves them out', async () => {
      const sub = `user-${uniqueSuffix()}`;
      const tokens = await signIn(calls, { sub });
      clock.advance(HOUR_MS);
      await lifecycle.revokeGrant(grantOf(tokens.access_token));
      expect((await lifecycle.listGrants(sub)).items).toEqual([
        expect.objectContaining({ revoked_at: new Date(start + HOUR_MS).toISOString() }),
      ]);
      clock.advance(30 * DAY_MS + 1000);
      expect((await lifecycle.listGrants(sub)).items).toEqual([]);
    });

    it('lists a grant without refresh token only while its access tokens may live', async () => {
      const sub = `user-${uniqueSuffix()}`;
      const tokens = await signIn(calls, { sub, scope: 'openid profile' });
      expect(tokens.refresh_token).toBeUndefined();
      clock.advance(23 * HOUR_MS);
      expect((await lifecycle.listGrants(sub)).items).toHaveLength(1);
      clock.advance(2 * HOUR_MS);
      expect((await lifecycle.listGrants(sub)).items).toEqual([]);
    });

    it('lists a grant with a usable refresh token past a day, not once it ran out', async () => {
      const sub = `user-${uniqueSuffix()}`;
      await signIn(calls, { sub });
      clock.advance(13 * DAY_MS);
      expect((await lifecycle.listGrants(sub)).items).toHaveLength(1);
      clock.advance(2 * DAY_MS);
      expect((await lifecycle.listGrants(sub)).items).toEqual([]);
    });

    it('refuses a request without sub: invalid_request', async () => {
      await expectOAuthRejection(
        service.bus.request(TokenSubjects.ListUserGrants, {}),
        InvalidRequest,
        'invalid_request',
      );
    });
  });

  describe('token.grants.revoke', () => {
    it('ends the refresh tokens at once and the access tokens at their next validation', async () => {
      const tokens = await signIn(calls);
      await expect(lifecycle.revokeGrant(grantOf(tokens.access_token))).resolves.toEqual({
        revoked: true,
      });
      expect((await calls.validate(tokens.access_token)).active).toBe(false);
      await expectOAuthRejection(
        calls.refresh({ refresh_token: tokens.refresh_token! }),
        InvalidGrant,
        'invalid_grant',
      );
    });

    it('is idempotent: a revoked grant answers revoked: false', async () => {
      const tokens = await signIn(calls);
      await lifecycle.revokeGrant(grantOf(tokens.access_token));
      await expect(lifecycle.revokeGrant(grantOf(tokens.access_token))).resolves.toEqual({
        revoked: false,
      });
    });

    it("with sub, refuses another user's grant as not_found and leaves it alone", async () => {
      const tokens = await signIn(calls, { sub: 'owner' });
      await expectOAuthRejection(
        lifecycle.revokeGrant(grantOf(tokens.access_token), 'intruder'),
        NotFound,
        'not_found',
      );
      expect((await calls.validate(tokens.access_token)).active).toBe(true);
      await expect(lifecycle.revokeGrant(grantOf(tokens.access_token), 'owner')).resolves.toEqual({
        revoked: true,
      });
    });

    it.each([
      ['an unknown grant', '00000000-0000-4000-8000-000000000000'],
      ['a malformed id', 'not-a-uuid'],
    ])('answers not_found for %s', async (_what, id) => {
      await expectOAuthRejection(lifecycle.revokeGrant(id), NotFound, 'not_found');
    });

    it('refuses a request without grant_id: invalid_request', async () => {
      await expectOAuthRejection(
        service.bus.request(TokenSubjects.RevokeGrant, {}),
        InvalidRequest,
        'invalid_request',
      );
    });
  });
});
