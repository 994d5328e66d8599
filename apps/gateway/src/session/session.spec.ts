import { RecordingAuditClient } from '@latchkey/testing';
import { MemoryKvStore } from '@latchkey/kv';
import { FixedClock } from '@latchkey/core';
import { TestBrowser } from '../fixtures/browser.fixture';
import { UserEvents } from '../users/user-events';
import { SessionService } from './session.service';
import { SessionsRepository } from './sessions.repository';
import {
  isSessionActive,
  SESSION_ABSOLUTE_LIFETIME_MS,
  SESSION_IDLE_TIMEOUT_MS,
  sessionTtlMs,
  type SsoSession,
} from './sso-session';
import { UserSessionsListener } from './user-sessions.listener';

const T0 = 1_700_000_000_000;

describe('session lifetimes', () => {
  const session: SsoSession = {
    sid: 's',
    sub: 'u',
    auth_time: T0 / 1000,
    amr: ['pwd'],
    created_at: T0,
    last_active: T0,
  };

  it('ends after the idle timeout', () => {
    expect(isSessionActive(session, T0 + SESSION_IDLE_TIMEOUT_MS - 1)).toBe(true);
    expect(isSessionActive(session, T0 + SESSION_IDLE_TIMEOUT_MS)).toBe(false);
  });

  it('ends at the absolute lifetime however active', () => {
    const busy = { ...session, last_active: T0 + SESSION_ABSOLUTE_LIFETIME_MS - 1000 };
    expect(isSessionActive(busy, T0 + SESSION_ABSOLUTE_LIFETIME_MS - 1)).toBe(true);
    expect(isSessionActive(busy, T0 + SESSION_ABSOLUTE_LIFETIME_MS)).toBe(false);
    expect(sessionTtlMs(busy, T0 + SESSION_ABSOLUTE_LIFETIME_MS - 1000)).toBe(1000);
  });
});

describe('SessionService', () => {
  let clock: FixedClock;
  let kv: MemoryKvStore;
  let service: SessionService;
  let events: UserEvents;
  let audit: RecordingAuditClient;
  const browser = () => new TestBrowser();

  beforeEach(() => {
    clock = new FixedClock(T0);
    kv = new MemoryKvStore({ now: () => clock.now().getTime(), sweepIntervalMs: 0 });
    audit = new RecordingAuditClient('gateway');
    service = new SessionService(new SessionsRepository(kv), clock, audit);
    events = new UserEvents();
    new UserSessionsListener(events, service).onModuleInit();
  });

  afterEach(() => kv.close());

  it('starts a session that the browser then presents', async () => {
    const b = browser();
    const started = await service.start(b.port(), { sub: 'alice', amr: ['pwd'] });
    expect(started.session).toMatchObject({ sub: 'alice', amr: ['pwd'], auth_time: T0 / 1000 });
    expect([...b.cookies.keys()]).toEqual(['__Host-latchkey_session']);
    const current = await service.current(b.port());
    expect(current?.session.sid).toBe(started.session.sid);
    // The store holds the session under a hash, never the cookie's secret.
    const secret = b.cookies.get('__Host-latchkey_session')!.split('.')[0]!;
    expect(await kv.get(`gateway:session:${secret}`)).toBeNull();
  });

  it('rotates the id at every sign-in and ends the previous session (no fixation)', async () => {
    const b = browser();
    const first = await service.start(b.port(), { sub: 'alice', amr: ['pwd'] });
    const oldCookie = b.cookies.get('__Host-latchkey_session')!;
    const second = await service.start(b.port(), { sub: 'alice', amr: ['pwd'] });
    expect(second.key).not.toBe(first.key);
    expect(second.session.sid).not.toBe(first.session.sid);
    const stale = new TestBrowser();
    stale.cookies.set('__Host-latchkey_session', oldCookie);
    expect(await service.current(stale.port())).toBeUndefined();
  });

  it('ends after the idle timeout, and is kept alive by use', async () => {
    const b = browser();
    await service.start(b.port(), { sub: 'alice', amr: ['pwd'] });
    clock.advance(SESSION_IDLE_TIMEOUT_MS - 60_000);
    expect(await service.current(b.port())).toBeDefined();
    clock.advance(SESSION_IDLE_TIMEOUT_MS - 60_000);
    expect(await service.current(b.port())).toBeDefined();
    clock.advance(SESSION_IDLE_TIMEOUT_MS);
    expect(await service.current(b.port())).toBeUndefined();
  });

  it('ends at the absolute lifetime', async () => {
    const b = browser();
    await service.start(b.port(), { sub: 'alice', amr: ['pwd'] });
    for (let t = 0; t < SESSION_ABSOLUTE_LIFETIME_MS; t += SESSION_IDLE_TIMEOUT_MS / 2) {
      clock.set(T0 + t);
      expect(await service.current(b.port())).toBeDefined();
    }
    clock.set(T0 + SESSION_ABSOLUTE_LIFETIME_MS);
    expect(await service.current(b.port())).toBeUndefined();
  });

  it("ends every session of a user when the user's access ends, and only theirs", async () => {
    const laptop = browser();
    const phone = browser();
    const other = browser();
    await service.start(laptop.port(), { sub: 'alice', amr: ['pwd'] });
    await service.start(phone.port(), { sub: 'alice', amr: ['pwd'] });
    await service.start(other.port(), { sub: 'bob', amr: ['pwd'] });
    await events.accessEnded({ sub: 'alice', reason: 'disabled' });
    expect(await service.current(laptop.port())).toBeUndefined();
    expect(await service.current(phone.port())).toBeUndefined();
    expect(await service.current(other.port())).toBeDefined();
    // Idempotent, as UserEvents listeners must be: ending them again (a disable repeated after
    // a 503) finds none left and records no second session.ended.
    await expect(events.accessEnded({ sub: 'alice', reason: 'deleted' })).resolves.toBeUndefined();
    const ended = audit.events.filter((e) => e.type === 'session.ended');
    expect(ended.map((e) => e.data)).toEqual([
      expect.objectContaining({ sub: 'alice', reason: 'user_disabled', sessions: 2 }),
    ]);
  });

  it('32 concurrent sign-ins of one user all start, are all indexed, and all end together', async () => {
    const browsers = Array.from({ length: 32 }, browser);
    const started = await Promise.all(
      browsers.map((b) => service.start(b.port(), { sub: 'alice', amr: ['pwd'] })),
    );
    const sids = started.map((s) => s.session.sid).sort();
    expect(new Set(sids).size).toBe(32);
    expect((await service.listFor('alice')).map((s) => s.sid).sort()).toEqual(sids);
    const ended = await service.takeAllFor('alice');
    expect(ended.map((s) => s.sid).sort()).toEqual(sids);
    for (const b of browsers) expect(await service.current(b.port())).toBeUndefined();
    expect(await service.listFor('alice')).toEqual([]);
  });

  it('drops a logged-out session from its user index', async () => {
    const laptop = browser();
    const phone = browser();
    await service.start(laptop.port(), { sub: 'alice', amr: ['pwd'] });
    const kept = await service.start(phone.port(), { sub: 'alice', amr: ['pwd'] });
    await service.endCurrent(laptop.port());
    expect((await service.listFor('alice')).map((s) => s.sid)).toEqual([kept.session.sid]);
  });

  it('also ends the sessions of an index written as a JSON list (before the index was a set)', async () => {
    const b = browser();
    const started = await service.start(b.port(), { sub: 'alice', amr: ['pwd'] });
    await kv.setTake('gateway:user-session-set:alice');
    await kv.set('gateway:user-sessions:alice', JSON.stringify([started.key]));
    expect((await service.takeAllFor('alice')).map((s) => s.sid)).toEqual([started.session.sid]);
    expect(await service.current(b.port())).toBeUndefined();
  });

  it('a store outage is KV_UNAVAILABLE (503), not an internal error', async () => {
    await kv.close();
    await expect(
      service.start(browser().port(), { sub: 'alice', amr: ['pwd'] }),
    ).rejects.toMatchObject({ code: 'KV_UNAVAILABLE' });
  });

  it('logs out: the session ends and its cookie is cleared', async () => {
    const b = browser();
    await service.start(b.port(), { sub: 'alice', amr: ['pwd'] });
    const before = b.port();
    await service.endCurrent(before);
    expect(b.cookies.size).toBe(0);
    expect(await service.current(before)).toBeUndefined();
  });

  it('ignores a forged cookie', async () => {
    const forged = new TestBrowser();
    forged.cookies.set('__Host-latchkey_session', 'abc.def');
    expect(await service.current(forged.port())).toBeUndefined();
  });
});
