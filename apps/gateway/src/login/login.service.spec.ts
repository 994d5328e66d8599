import { Logger } from '@nestjs/common';
import { MemoryKvStore } from '@latchkey/kv';
import { RecordingAuditClient } from '@latchkey/testing';
import { TemporarilyUnavailable } from '@latchkey/oauth';
import { TooManyRequests } from '@latchkey/oauth-http';
import { TestBrowser } from '../fixtures/browser.fixture';
import type { UpstreamLoginService } from '../federation/upstream-login.service';
import type { Interaction } from '../interaction/interaction';
import type { SessionService } from '../session/session.service';
import type { User } from '../users/user';
import type { UsersService } from '../users/users.service';
import { LOGIN_LIMITS, LoginRateLimiter } from './login-rate-limiter';
import { LOGIN_FAILED_MESSAGE, LoginService } from './login.service';

const ISSUER = 'https://id.example.test';
const PASSWORD = 'correct horse battery staple';

describe('LoginService.signIn', () => {
  const interaction: Interaction = {
    id: 'int-1',
    browser: 'b',
    csrf: 'csrf-1',
    created_at: 0,
    client_name: 'Web App',
    request: {
      client_id: 'web-app',
      redirect_uri: 'https://app.example.test/callback',
      redirect_uri_explicit: true,
      scopes: ['openid'],
      prompt: [],
    },
  };
  const alice = { id: 'user-1', username: 'alice' } as User;
  let verify: jest.Mock;
  let limiter: { reserve: jest.Mock; recordSuccess: jest.Mock; release: jest.Mock };
  let start: jest.Mock;
  let directory: jest.Mock;
  let warn: jest.SpyInstance;
  let service: LoginService;
  let audit: RecordingAuditClient;

  beforeEach(() => {
    verify = jest.fn(async (username: string, password: string) =>
      username === 'alice' && password === PASSWORD ? alice : null,
    );
    limiter = {
      reserve: jest.fn(async () => undefined),
      recordSuccess: jest.fn(async () => undefined),
      release: jest.fn(async () => undefined),
    };
    start = jest.fn(async () => ({
      key: 'k',
      session: { sid: 'sid-1', sub: 'user-1', auth_time: 1, amr: ['pwd'] },
    }));
    // No LDAP directory knows anyone unless a test says otherwise.
    directory = jest.fn(async () => ({ refused: 'not_found' }));
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    audit = new RecordingAuditClient('gateway');
    service = new LoginService(
      { verifyCredentials: verify } as unknown as UsersService,
      { start } as unknown as SessionService,
      limiter as unknown as LoginRateLimiter,
      { signInWithDirectory: directory } as unknown as UpstreamLoginService,
      audit,
      ISSUER,
    );
  });

  afterEach(() => jest.restoreAllMocks());

  const browser = new TestBrowser().request();
  const submit = (fields: { username?: string; password?: string }) =>
    service.signIn(browser, interaction, fields);

  it('starts a session and answers who signed in, on the right password', async () => {
    await expect(submit({ username: 'alice', password: PASSWORD })).resolves.toEqual({
      user: { sub: 'user-1', auth_time: 1, amr: ['pwd'], sid: 'sid-1' },
    });
    expect(start).toHaveBeenCalledWith(browser.cookies, { sub: 'user-1', amr: ['pwd'] });
    expect(limiter.reserve).toHaveBeenCalledWith('alice', '10.0.0.1');
    expect(limiter.recordSuccess).toHaveBeenCalledWith('alice', '10.0.0.1');
    const [event] = audit.ofType('login.succeeded');
    expect(event).toMatchObject({
      source: 'https://id.example.test/gateway',
      subject: 'user-1',
      data: {
        client_id: 'web-app',
        sub: 'user-1',
        session: 'sid-1',
        ip: '10.0.0.1',
        user_agent: 'test-browser',
      },
    });
  });

  it('gives the attempt back when the password cannot be checked (an outage: 503, not a failure)', async () => {
    const outage = Object.assign(new Error('database unavailable'), {
      code: 'DATABASE_UNAVAILABLE',
    });
    verify.mockRejectedValueOnce(outage);
    await expect(submit({ username: 'alice', password: PASSWORD })).rejects.toBe(outage);
    verify.mockRejectedValueOnce(new TemporarilyUnavailable());
    await expect(submit({ username: 'alice', password: PASSWORD })).rejects.toBeInstanceOf(
      TemporarilyUnavailable,
    );
    expect(limiter.release).toHaveBeenCalledTimes(2);
    expect(limiter.reserve).toHaveBeenCalledWith('alice', '10.0.0.1');
    expect(limiter.release).toHaveBeenCalledWith('alice', '10.0.0.1');
    expect(audit.ofType('login.failed')).toEqual([]);
  });

  it('keeps the attempt counted when the check fails for another reason', async () => {
    verify.mockRejectedValueOnce(new TypeError('a bug'));
    await expect(submit({ username: 'alice', password: PASSWORD })).rejects.toBeInstanceOf(
      TypeError,
    );
    expect(limiter.release).not.toHaveBeenCalled();
  });

  it.each([
    ['a wrong password', { username: 'alice', password: 'nope' }],
    ['an unknown user', { username: 'mallory', password: PASSWORD }],
  ])(
    'answers %s with the same generic page (400), counts it, logs it without the password',
    async (_what, fields) => {
      const outcome = await submit(fields);
      expect(outcome).toHaveProperty('page');
      const { page } = outcome as { page: { status: number; body: { value: string } } };
      expect(page.status).toBe(400);
      expect(page.body.value).toContain(LOGIN_FAILED_MESSAGE);
      expect(limiter.reserve).toHaveBeenCalledWith(fields.username, '10.0.0.1');
      expect(limiter.recordSuccess).not.toHaveBeenCalled();
      expect(start).not.toHaveBeenCalled();
      expect(warn).toHaveBeenCalledTimes(1);
      const logged = JSON.stringify(warn.mock.calls[0]);
      expect(logged).toContain('login.failed');
      expect(logged).not.toContain(fields.password);
      expect(logged).not.toContain(fields.username);
      // The audit event: who tried where, never the password or the username itself.
      const events = audit.ofType('login.failed');
      expect(events).toHaveLength(1);
      expect(events[0]!.data).toMatchObject({
        client_id: 'web-app',
        ip: '10.0.0.1',
        reason: 'invalid_credentials',
      });
      expect(JSON.stringify(events[0])).not.toContain(fields.password);
      expect(JSON.stringify(events[0])).not.toContain(`"${fields.username}"`);
    },
  );

  describe('with an LDAP directory offered to the client', () => {
    const ldapUser = { sub: 'user-2', auth_time: 1, amr: ['pwd'], sid: 'sid-2', idp: 'corp-ldap' };

    it('signs in the user the directory vouches for, when no local password matches', async () => {
      directory.mockResolvedValueOnce({ user: ldapUser });
      await expect(submit({ username: 'carol', password: PASSWORD })).resolves.toEqual({
        user: ldapUser,
      });
      expect(verify).toHaveBeenCalledWith('carol', PASSWORD);
      expect(directory).toHaveBeenCalledWith(browser, interaction, 'carol', PASSWORD);
      expect(limiter.recordSuccess).toHaveBeenCalledWith('carol', '10.0.0.1');
      // The directory's sign-in made the session and audited it; the form adds nothing.
      expect(start).not.toHaveBeenCalled();
      expect(audit.ofType('login.succeeded')).toHaveLength(0);
    });

    it('never asks the directory about a local account whose password matched', async () => {
      await submit({ username: 'alice', password: PASSWORD });
      expect(directory).not.toHaveBeenCalled();
    });

    it('answers a password the directory refused as any wrong password, naming the directory', async () => {
      directory.mockResolvedValueOnce({ refused: 'rejected', identityProvider: 'corp-ldap' });
      const outcome = (await submit({ username: 'carol', password: 'nope' })) as {
        page: { status: number; body: { value: string } };
      };
      expect(outcome.page.status).toBe(400);
      expect(outcome.page.body.value).toContain(LOGIN_FAILED_MESSAGE);
      expect(limiter.reserve).toHaveBeenCalledWith('carol', '10.0.0.1');
      expect(limiter.recordSuccess).not.toHaveBeenCalled();
      expect(audit.ofType('login.failed')[0]!.data).toMatchObject({
        reason: 'invalid_credentials',
        identity_provider: 'corp-ldap',
      });
    });

    it('lets an unreachable directory end the sign-in (its error page), after counting it', async () => {
      const outage = new Error('the directory could not be reached');
      directory.mockRejectedValueOnce(outage);
      await expect(submit({ username: 'carol', password: PASSWORD })).rejects.toBe(outage);
      expect(limiter.reserve).toHaveBeenCalledTimes(1);
      expect(limiter.recordSuccess).not.toHaveBeenCalled();
      expect(start).not.toHaveBeenCalled();
    });
  });

  it('asks for both fields without checking anything', async () => {
    const outcome = (await submit({ username: 'alice' })) as { page: { status: number } };
    expect(outcome.page.status).toBe(400);
    expect(verify).not.toHaveBeenCalled();
  });

  it('refuses (429) before checking the password when the limits are reached, and audits it', async () => {
    limiter.reserve.mockResolvedValueOnce({ limit: 'account', retryAfterSeconds: 600 });
    const refused = await submit({ username: 'alice', password: PASSWORD }).catch(
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(TooManyRequests);
    expect(refused).toMatchObject({ status: 429, retryAfterSeconds: 600 });
    expect(verify).not.toHaveBeenCalled();
    expect(start).not.toHaveBeenCalled();
    const [event] = audit.ofType('login.failed');
    expect(event!.data).toMatchObject({
      client_id: 'web-app',
      ip: '10.0.0.1',
      reason: 'rate_limited',
      limit: 'account',
    });
  });

  describe('with the real limiter', () => {
    let kv: MemoryKvStore;

    beforeEach(() => {
      kv = new MemoryKvStore({ sweepIntervalMs: 0 });
      service = new LoginService(
        { verifyCredentials: verify } as unknown as UsersService,
        { start } as unknown as SessionService,
        new LoginRateLimiter(kv),
        { signInWithDirectory: directory } as unknown as UpstreamLoginService,
        audit,
        ISSUER,
      );
    });

    afterEach(() => kv.close());

    it('checks at most the limit of 50 parallel wrong passwords, then refuses the right one', async () => {
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          submit({ username: 'alice', password: `guess-${i}` }).then(
            () => 'checked',
            (err: unknown) => (err instanceof TooManyRequests ? 'refused' : err),
          ),
        ),
      );
      const limit = LOGIN_LIMITS.account.maxFailures;
      expect(verify).toHaveBeenCalledTimes(limit);
      expect(outcomes.filter((o) => o === 'checked')).toHaveLength(limit);
      expect(outcomes.filter((o) => o === 'refused')).toHaveLength(50 - limit);
      expect(
        audit.ofType('login.failed').filter((e) => e.data?.reason === 'rate_limited'),
      ).toHaveLength(50 - limit);
      await expect(submit({ username: 'alice', password: PASSWORD })).rejects.toBeInstanceOf(
        TooManyRequests,
      );
      expect(verify).toHaveBeenCalledTimes(limit);
      expect(start).not.toHaveBeenCalled();
    });
  });
});
