import { MemoryKvStore } from '@latchkey/kv';
import type { Request, Response } from 'express';
import { FixedClock } from '../clock/clock';
import { CookieJar } from '../http/cookie-jar';
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
  const jar = new CookieJar({
    secrets: ['cookie-secret-0123456789-abcdefghijklmnop'],
    issuer: 'https://id.example.test',
  });

  /** A browser: the cookies the service set come back on the next request. */
  function browser() {
    const cookies = new Map<string, string>();
    const req = () =>
      ({
        headers: { cookie: [...cookies].map(([n, v]) => `${n}=${v}`).join('; ') },
      }) as unknown as Request;
    const headers: Record<string, unknown> = {};
    const res = {
      getHeader: (name: string) => headers[name.toLowerCase()],
      setHeader: (name: string, value: string[]) => {
        for (const line of value) {
          const [pair = ''] = line.split(';');
          const [cookieName = '', cookieValue = ''] = pair.split('=');
          if (line.includes('Max-Age=0')) cookies.delete(cookieName);
          else cookies.set(cookieName, cookieValue);
        }
      },
    } as unknown as Response;
    return { req, res, cookies };
  }

  beforeEach(() => {
    clock = new FixedClock(T0);
    kv = new MemoryKvStore({ now: () => clock.now().getTime(), sweepIntervalMs: 0 });
    service = new SessionService(new SessionsRepository(kv), jar, clock);
    events = new UserEvents();
    new UserSessionsListener(events, service).onModuleInit();
  });

  afterEach(() => kv.close());

  it('starts a session that the browser then presents', async () => {
    const b = browser();
    const started = await service.start(b.req(), b.res, { sub: 'alice', amr: ['pwd'] });
    expect(started.session).toMatchObject({ sub: 'alice', amr: ['pwd'], auth_time: T0 / 1000 });
    expect([...b.cookies.keys()]).toEqual(['__Host-latchkey_session']);
    const current = await service.current(b.req());
    expect(current?.session.sid).toBe(started.session.sid);
    // The store holds the session under a hash, never the cookie's secret.
    const secret = b.cookies.get('__Host-latchkey_session')!.split('.')[0]!;
    expect(await kv.get(`gateway:session:${secret}`)).toBeNull();
  });

  it('rotates the id at every sign-in and ends the previous session (no fixation)', async () => {
    const b = browser();
    const first = await service.start(b.req(), b.res, { sub: 'alice', amr: ['pwd'] });
    const oldCookie = b.cookies.get('__Host-latchkey_session')!;
    const second = await service.start(b.req(), b.res, { sub: 'alice', amr: ['pwd'] });
    expect(second.key).not.toBe(first.key);
    expect(second.session.sid).not.toBe(first.session.sid);
    const stale = { headers: { cookie: `__Host-latchkey_session=${oldCookie}` } } as Request;
    expect(await service.current(stale)).toBeUndefined();
  });

  it('ends after the idle timeout, and is kept alive by use', async () => {
    const b = browser();
    await service.start(b.req(), b.res, { sub: 'alice', amr: ['pwd'] });
    clock.advance(SESSION_IDLE_TIMEOUT_MS - 60_000);
    expect(await service.current(b.req())).toBeDefined();
    clock.advance(SESSION_IDLE_TIMEOUT_MS - 60_000);
    expect(await service.current(b.req())).toBeDefined();
    clock.advance(SESSION_IDLE_TIMEOUT_MS);
    expect(await service.current(b.req())).toBeUndefined();
  });

  it('ends at the absolute lifetime', async () => {
    const b = browser();
    await service.start(b.req(), b.res, { sub: 'alice', amr: ['pwd'] });
    for (let t = 0; t < SESSION_ABSOLUTE_LIFETIME_MS; t += SESSION_IDLE_TIMEOUT_MS / 2) {
      clock.set(T0 + t);
      expect(await service.current(b.req())).toBeDefined();
    }
    clock.set(T0 + SESSION_ABSOLUTE_LIFETIME_MS);
    expect(await service.current(b.req())).toBeUndefined();
  });

  it("ends every session of a user when the user's access ends, and only theirs", async () => {
    const laptop = browser();
    const phone = browser();
    const other = browser();
    await service.start(laptop.req(), laptop.res, { sub: 'alice', amr: ['pwd'] });
    await service.start(phone.req(), phone.res, { sub: 'alice', amr: ['pwd'] });
    await service.start(other.req(), other.res, { sub: 'bob', amr: ['pwd'] });
    await events.accessEnded({ sub: 'alice', reason: 'disabled' });
    expect(await service.current(laptop.req())).toBeUndefined();
    expect(await service.current(phone.req())).toBeUndefined();
    expect(await service.current(other.req())).toBeDefined();
    // Idempotent, as UserEvents listeners must be.
    await expect(events.accessEnded({ sub: 'alice', reason: 'deleted' })).resolves.toBeUndefined();
  });

  it('logs out: the session ends and its cookie is cleared', async () => {
    const b = browser();
    await service.start(b.req(), b.res, { sub: 'alice', amr: ['pwd'] });
    const before = b.req();
    await service.endCurrent(before, b.res);
    expect(b.cookies.size).toBe(0);
    expect(await service.current(before)).toBeUndefined();
  });

  it('ignores a forged cookie', async () => {
    const forged = { headers: { cookie: '__Host-latchkey_session=abc.def' } } as Request;
    expect(await service.current(forged)).toBeUndefined();
  });
});
