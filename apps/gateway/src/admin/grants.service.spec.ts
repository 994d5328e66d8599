import { RecordingAuditClient } from '@latchkey/testing';
import { expect } from '@jest/globals';
import { TokenSubjects, type GrantView } from '@latchkey/contracts';
import { MemoryKvStore } from '@latchkey/kv';
import { NotFound, TemporarilyUnavailable } from '@latchkey/oauth';
import type { BackchannelLogoutSender } from '../backchannel/backchannel-logout.sender';
import { FixedClock } from '@latchkey/core';
import type { ConsentEntity } from '../consent/consent.entity';
import type { ConsentsRepository } from '../consent/consents.repository';
import { TestBrowser } from '../fixtures/browser.fixture';
import { FakeBus } from '../fixtures/fake-bus.fixture';
import { SessionLogout } from '../logout/session-logout.service';
import { SessionService } from '../session/session.service';
import { SessionsRepository } from '../session/sessions.repository';
import { SESSION_IDLE_TIMEOUT_MS } from '../session/sso-session';
import type { UsersService } from '../users/users.service';
import { AdminGrantsService } from './grants.service';

const T0 = Date.UTC(2030, 0, 1, 12);
const GRANT_A = '6f1c2a52-8f43-4a55-9c1e-0f0f3b1d9a10';
const GRANT_B = '7a2d3b63-9054-4b66-8d2f-1a1a4c2e0b21';
const GRANT_C = '8b3e4c74-0165-4c77-9e30-2b2b5d3f1c32';

function grant(id: string, clientId: string, revoked = false): GrantView {
  return {
    id,
    client_id: clientId,
    sub: 'alice',
    scope: 'openid offline_access',
    sid: 's',
    created_at: new Date(T0).toISOString(),
    revoked_at: revoked ? new Date(T0).toISOString() : null,
  };
}

/** Remembered consents in memory, as the repository answers them. */
class FakeConsents {
  readonly rows = new Map<string, ConsentEntity>();

  add(sub: string, clientId: string, scopes: string[]): void {
    const at = new Date(T0);
    this.rows.set(`${sub} ${clientId}`, { sub, clientId, scopes, createdAt: at, updatedAt: at });
  }

  async listOf(sub: string): Promise<ConsentEntity[]> {
    return [...this.rows.values()].filter((r) => r.sub === sub);
  }

  async exists(sub: string, clientId: string): Promise<boolean> {
    return this.rows.has(`${sub} ${clientId}`);
  }

  async withdraw(
    sub: string,
    clientId: string,
    andThen: (em: never) => Promise<unknown>,
  ): Promise<boolean> {
    if (!this.rows.delete(`${sub} ${clientId}`)) return false;
    await andThen(undefined as never);
    return true;
  }
}

describe('AdminGrantsService', () => {
  let audit: RecordingAuditClient;
  let clock: FixedClock;
  let kv: MemoryKvStore;
  let bus: FakeBus;
  let sessions: SessionService;
  let consents: FakeConsents;
  let sent: unknown[][];
  let service: AdminGrantsService;

  beforeEach(() => {
    clock = new FixedClock(T0);
    kv = new MemoryKvStore({ now: () => clock.now().getTime(), sweepIntervalMs: 0 });
    bus = new FakeBus()
      .on(TokenSubjects.ListUserGrants, () => ({
        items: [
          grant(GRANT_A, 'web-app'),
          grant(GRANT_B, 'web-app', true),
          grant(GRANT_C, 'other'),
        ],
      }))
      .on(TokenSubjects.RevokeUserGrants, () => ({ revoked: 2 }))
      .on(TokenSubjects.RevokeGrant, () => null)
      .on(TokenSubjects.EndSession, (data) => ({
        logout_tokens: [
          {
            client_id: 'web-app',
            backchannel_logout_uri: 'https://app.example.test/bc',
            logout_token: `token-for-${(data as { sid: string }).sid}`,
          },
        ],
      }));
    audit = new RecordingAuditClient('gateway');
    sessions = new SessionService(new SessionsRepository(kv), clock, audit);
    consents = new FakeConsents();
    sent = [];
    const sender = { send: (d: unknown[]) => sent.push(d) } as unknown as BackchannelLogoutSender;
    const users = {
      findById: async (sub: string) => (['alice', 'bob'].includes(sub) ? { id: sub } : null),
    } as unknown as UsersService;
    service = new AdminGrantsService(
      bus.asBusClient(),
      users,
      sessions,
      new SessionLogout(sessions, bus.asBusClient(), sender),
      consents as unknown as ConsentsRepository,
      audit,
    );
  });

  afterEach(() => kv.close());

  /** Signs `sub` in from a new browser; answers that browser and its session cookie. */
  async function signIn(sub: string): Promise<{ browser: TestBrowser; secret: string }> {
    const browser = new TestBrowser();
    await sessions.start(browser.port(), { sub, amr: ['pwd'] });
    return { browser, secret: browser.cookies.get('__Host-latchkey_session')! };
  }

  it.each<[string, (s: AdminGrantsService) => Promise<unknown>]>([
    ['list grants', (s) => s.listGrants('nobody')],
    ['revoke grants', (s) => s.revokeGrants('nobody')],
    ['list sessions', (s) => s.listSessions('nobody')],
    ['end sessions', (s) => s.endSessions('nobody')],
    ['list consents', (s) => s.listConsents('nobody')],
    ['withdraw a consent', (s) => s.withdrawConsent('nobody', 'web-app')],
  ])('%s of an unknown user: 404, nothing asked', async (_what, call) => {
    await expect(call(service)).rejects.toThrow(new NotFound('no such user'));
    expect(bus.requests).toEqual([]);
  });

  it("lists and revokes a user's grants through the token service", async () => {
    expect((await service.listGrants('alice')).items.map((g) => g.id)).toEqual([
      GRANT_A,
      GRANT_B,
      GRANT_C,
    ]);
    expect(await service.revokeGrants('alice')).toEqual({ revoked: 2 });
    expect(bus.requestsFor(TokenSubjects.ListUserGrants)).toEqual([{ sub: 'alice' }]);
    expect(bus.requestsFor(TokenSubjects.RevokeUserGrants)).toEqual([{ sub: 'alice' }]);
  });

  it('revokes one grant; an id that cannot be a grant is 404 without asking', async () => {
    await service.revokeGrant(GRANT_A);
    expect(bus.requestsFor(TokenSubjects.RevokeGrant)).toEqual([{ grant_id: GRANT_A }]);
    await expect(service.revokeGrant('not-a-grant')).rejects.toThrow(new NotFound('no such grant'));
    bus.on(TokenSubjects.RevokeGrant, () => {
      throw new NotFound('no such grant');
    });
    await expect(service.revokeGrant(GRANT_B)).rejects.toBeInstanceOf(NotFound);
  });

  it('lists active sessions with their times, never their secret or key', async () => {
    const first = await signIn('alice');
    clock.advance(60_000);
    await signIn('alice');
    await signIn('bob');
    const { items } = await service.listSessions('alice');
    expect(items).toHaveLength(2);
    expect(items[0]).toEqual({
      sid: expect.any(String),
      auth_time: new Date(T0).toISOString(),
      amr: ['pwd'],
      created_at: new Date(T0).toISOString(),
      last_seen_at: new Date(T0).toISOString(),
      expires_at: new Date(T0 + SESSION_IDLE_TIMEOUT_MS).toISOString(),
    });
    expect(JSON.stringify(items)).not.toContain(first.secret.split('.')[0]);
    // The first session idles out; the second, a minute younger, does not yet.
    clock.advance(SESSION_IDLE_TIMEOUT_MS - 30_000);
    expect((await service.listSessions('alice')).items).toHaveLength(1);
  });

  it('ends every session of the user as a logout: token service told, clients notified', async () => {
    const laptop = await signIn('alice');
    const phone = await signIn('alice');
    const other = await signIn('bob');
    const sids = (await service.listSessions('alice')).items.map((s) => s.sid).sort();
    expect(await service.endSessions('alice')).toEqual({ ended: 2 });
    expect(await sessions.current(laptop.browser.port())).toBeUndefined();
    expect(await sessions.current(phone.browser.port())).toBeUndefined();
    expect(await sessions.current(other.browser.port())).toBeDefined();
    const told = bus.requestsFor(TokenSubjects.EndSession) as { sid: string; sub: string }[];
    expect(told.map((r) => r.sid).sort()).toEqual(sids);
    expect(told.every((r) => r.sub === 'alice')).toBe(true);
    expect(sent.flat()).toHaveLength(2);
    expect(await service.endSessions('alice')).toEqual({ ended: 0 });
  });

  it('ends the sessions even when the token service cannot be told, and says so (503)', async () => {
    const laptop = await signIn('alice');
    bus.on(TokenSubjects.EndSession, () => {
      throw new TemporarilyUnavailable();
    });
    await expect(service.endSessions('alice')).rejects.toBeInstanceOf(TemporarilyUnavailable);
    expect(await sessions.current(laptop.browser.port())).toBeUndefined();
    expect(sent).toEqual([]);
  });

  it('lists remembered consents', async () => {
    consents.add('alice', 'web-app', ['profile', 'openid']);
    consents.add('bob', 'web-app', ['openid']);
    expect(await service.listConsents('alice')).toEqual({
      items: [
        {
          client_id: 'web-app',
          scopes: ['openid', 'profile'],
          created_at: new Date(T0).toISOString(),
          updated_at: new Date(T0).toISOString(),
        },
      ],
    });
  });

  it("withdraws a consent and revokes that client's active grants, only those", async () => {
    consents.add('alice', 'web-app', ['openid']);
    consents.add('alice', 'other', ['openid']);
    await service.withdrawConsent('alice', 'web-app');
    expect(bus.requestsFor(TokenSubjects.RevokeGrant)).toEqual([
      { grant_id: GRANT_A, sub: 'alice' },
    ]);
    expect((await service.listConsents('alice')).items.map((c) => c.client_id)).toEqual(['other']);
    await expect(service.withdrawConsent('alice', 'web-app')).rejects.toThrow(
      'the user has no remembered consent for this client',
    );
  });

  it('keeps the consent when the grants could not be revoked, for the request to be repeated', async () => {
    consents.add('alice', 'web-app', ['openid']);
    bus.on(TokenSubjects.RevokeGrant, () => {
      throw new TemporarilyUnavailable();
    });
    await expect(service.withdrawConsent('alice', 'web-app')).rejects.toBeInstanceOf(
      TemporarilyUnavailable,
    );
    expect(await consents.exists('alice', 'web-app')).toBe(true);
  });
});
