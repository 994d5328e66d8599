import { RecordingAuditClient } from '@latchkey/testing';
import { ClientsCache } from '@latchkey/registry-client';
import { ClientSubjects, TokenSubjects, type EndSessionResponse } from '@latchkey/contracts';
import { MemoryKvStore } from '@latchkey/kv';
import { InvalidRequest, TemporarilyUnavailable } from '@latchkey/oauth';
import { SignJWT, type JWTPayload } from 'jose';
import { IdTokenHintVerifier } from '../authorize/id-token-hint.verifier';
import type { BackchannelLogoutSender } from '../backchannel/backchannel-logout.sender';
import { FixedClock } from '@latchkey/core';
import { jwksOf, TEST_ISSUER, testKey, type TestKey } from '../fixtures/access-token.fixture';
import { webClient } from '../fixtures/client.fixture';
import { FakeBus } from '../fixtures/fake-bus.fixture';
import { hiddenInput, pageOf } from '../fixtures/page.fixture';
import { TestBrowser, testCookieJar } from '../fixtures/browser.fixture';
import { SessionService } from '../session/session.service';
import { SessionsRepository } from '../session/sessions.repository';
import type { UsersService } from '../users/users.service';
import { JwksService } from '../well-known/jwks.service';
import { LogoutRequestsRepository } from './logout-requests.repository';
import { LogoutService } from './logout.service';
import { SessionLogout } from './session-logout.service';

const T0 = 1_700_000_000_000;
const SIGNED_OUT = 'https://app.example.test/signed-out';
const LOGOUT_TOKENS: EndSessionResponse['logout_tokens'] = [
  {
    client_id: 'web-app',
    backchannel_logout_uri: 'https://app.example.test/backchannel',
    logout_token: 'header.payload.signature',
  },
];

/** A browser: the cookies the service set come back on the next request. */
const browser = () => new TestBrowser(testCookieJar(TEST_ISSUER));

describe('LogoutService (RP-Initiated Logout)', () => {
  let key: TestKey;
  let stranger: TestKey;
  let clock: FixedClock;
  let kv: MemoryKvStore;
  let bus: FakeBus;
  let sessions: SessionService;
  let sent: unknown[][];
  let service: LogoutService;
  const client = webClient({ post_logout_redirect_uris: [SIGNED_OUT] });

  beforeAll(async () => {
    key = await testKey('k1');
    stranger = await testKey('k1');
  });

  beforeEach(() => {
    clock = new FixedClock(T0);
    kv = new MemoryKvStore({ now: () => clock.now().getTime(), sweepIntervalMs: 0 });
    bus = new FakeBus()
      .on(TokenSubjects.Jwks, () => jwksOf(key))
      .on(ClientSubjects.Get, (data) =>
        (data as { client_id: string }).client_id === client.client_id ? client : null,
      )
      .on(TokenSubjects.EndSession, () => ({ logout_tokens: LOGOUT_TOKENS }));
    sessions = new SessionService(
      new SessionsRepository(kv),
      clock,
      new RecordingAuditClient('gateway'),
    );
    sent = [];
    const sender = { send: (d: unknown[]) => sent.push(d) } as unknown as BackchannelLogoutSender;
    const users = {
      findById: async (sub: string) => (sub === 'alice' ? { username: 'alice' } : null),
    } as unknown as UsersService;
    service = new LogoutService(
      new IdTokenHintVerifier(new JwksService(bus.asBusClient()), TEST_ISSUER),
      new ClientsCache(bus.asBusClient(), clock),
      sessions,
      users,
      new LogoutRequestsRepository(kv),
      new SessionLogout(sessions, bus.asBusClient(), sender),
      TEST_ISSUER,
      { name: 'Acme <ID>', color: '#1a56db' },
    );
  });

  afterEach(() => kv.close());

  async function signedIn(sub = 'alice') {
    const b = browser();
    const { session } = await sessions.start(b.port(), { sub, amr: ['pwd'] });
    return Object.assign(b, { session });
  }

  async function idToken(
    claims: JWTPayload = {},
    options: { signer?: TestKey; typ?: string } = {},
  ): Promise<string> {
    const signer = options.signer ?? key;
    const now = Math.floor(T0 / 1000);
    return new SignJWT({
      iss: TEST_ISSUER,
      aud: 'web-app',
      sub: 'alice',
      iat: now,
      exp: now + 300,
      ...claims,
    })
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: options.typ ?? 'JWT' })
      .sign(signer.privateKey);
  }

  const endSessionCalls = () => bus.requestsFor(TokenSubjects.EndSession);

  async function expectSignedIn(b: TestBrowser, signedIn: boolean): Promise<void> {
    expect(!!(await sessions.current(b.port()))).toBe(signedIn);
  }

  describe('with an id_token_hint of the browser session', () => {
    it('ends the session at once and redirects to the registered URI with state', async () => {
      const b = await signedIn();
      const hint = await idToken({ sid: b.session.sid });
      const outcome = await service.logout(b.request(), {
        id_token_hint: hint,
        post_logout_redirect_uri: SIGNED_OUT,
        state: 'st 1&x',
        ui_locales: 'fr',
      });
      expect(outcome).toEqual({ redirect: `${SIGNED_OUT}?state=st+1%26x` });
      expect(b.cookies.size).toBe(0);
      await expectSignedIn(b, false);
      expect(endSessionCalls()).toEqual([{ sid: b.session.sid, sub: 'alice' }]);
      expect(sent).toEqual([LOGOUT_TOKENS]);
    });

    it('accepts an expired id_token and, without a redirect URI, shows the signed-out page', async () => {
      const b = await signedIn();
      const now = Math.floor(T0 / 1000);
      const hint = await idToken({ sid: b.session.sid, iat: now - 7200, exp: now - 3600 });
      const page = pageOf(await service.logout(b.request(), { id_token_hint: hint }));
      expect(page.title).toBe('Signed out');
      await expectSignedIn(b, false);
    });

    it('accepts client_id when it is the hint audience', async () => {
      const b = await signedIn();
      const hint = await idToken({ sid: b.session.sid });
      const outcome = await service.logout(b.request(), {
        id_token_hint: hint,
        client_id: 'web-app',
        post_logout_redirect_uri: SIGNED_OUT,
      });
      expect(outcome).toEqual({ redirect: SIGNED_OUT });
    });

    it('signs the user out even when the token service cannot be reached', async () => {
      bus.on(TokenSubjects.EndSession, () => {
        throw new TemporarilyUnavailable();
      });
      const b = await signedIn();
      const hint = await idToken({ sid: b.session.sid });
      await service.logout(b.request(), { id_token_hint: hint });
      await expectSignedIn(b, false);
      expect(sent).toEqual([]);
    });
  });

  describe('refuses a bad request on the error page, ending nothing', () => {
    it.each<[string, () => Promise<Record<string, string>>, string]>([
      [
        'a hint signed by another key',
        async () => ({ id_token_hint: await idToken({}, { signer: stranger }) }),
        'id_token_hint is not valid',
      ],
      ['a hint that is not a JWT', async () => ({ id_token_hint: 'not-a-jwt' }), 'not valid'],
      [
        'a hint from another issuer',
        async () => ({ id_token_hint: await idToken({ iss: 'https://evil.example' }) }),
        'not issued by this server',
      ],
      [
        'an access token as hint',
        async () => ({ id_token_hint: await idToken({}, { typ: 'at+jwt' }) }),
        'not an id_token',
      ],
      [
        'client_id other than the hint audience',
        async () => ({ id_token_hint: await idToken(), client_id: 'other-app' }),
        'client_id is not the client the id_token_hint was issued to',
      ],
      [
        'an unregistered post_logout_redirect_uri',
        async () => ({
          id_token_hint: await idToken(),
          post_logout_redirect_uri: 'https://evil.example/',
        }),
        "not one of the client's registered post_logout_redirect_uris",
      ],
      [
        'a near miss of the registered URI (exact match only)',
        async () => ({ client_id: 'web-app', post_logout_redirect_uri: `${SIGNED_OUT}/` }),
        "not one of the client's registered post_logout_redirect_uris",
      ],
      [
        'a post_logout_redirect_uri without hint or client_id',
        async () => ({ post_logout_redirect_uri: SIGNED_OUT }),
        'post_logout_redirect_uri needs id_token_hint or client_id',
      ],
      [
        'a post_logout_redirect_uri for an unknown client',
        async () => ({ client_id: 'no-such-app', post_logout_redirect_uri: SIGNED_OUT }),
        'for a client that is not registered',
      ],
      [
        'a repeated parameter',
        async () => ({ client_id: ['web-app', 'web-app'] }) as unknown as Record<string, string>,
        'must not be repeated',
      ],
    ])('%s', async (_what, params, message) => {
      const b = await signedIn();
      const failure = service.logout(b.request(), await params());
      await expect(failure).rejects.toBeInstanceOf(InvalidRequest);
      await expect(failure).rejects.toThrow(message);
      await expectSignedIn(b, true);
      expect(endSessionCalls()).toEqual([]);
    });

    it('a disabled client gets no redirect', async () => {
      bus.on(ClientSubjects.Get, () => ({ ...client, disabled: true }));
      const b = await signedIn();
      await expect(
        service.logout(b.request(), {
          client_id: 'web-app',
          post_logout_redirect_uri: SIGNED_OUT,
        }),
      ).rejects.toThrow('for a client that is not registered');
    });
  });

  describe('without a hint that names the browser session: the user confirms', () => {
    it.each<[string, (sid: string) => Promise<Record<string, string>>]>([
      ['no hint', async () => ({ client_id: 'web-app', post_logout_redirect_uri: SIGNED_OUT })],
      ['a hint of another session', async () => ({ id_token_hint: await idToken({ sid: 'old' }) })],
      [
        'a hint of another user',
        async (sid) => ({ id_token_hint: await idToken({ sid, sub: 'mallory' }) }),
      ],
      ['a hint without sid', async () => ({ id_token_hint: await idToken() })],
    ])('%s: a confirmation page, the session untouched', async (_what, params) => {
      const b = await signedIn();
      const page = pageOf(await service.logout(b.request(), await params(b.session.sid)));
      expect(page.title).toBe('Sign out');
      expect(page.body.value).toContain('Sign out of Acme &lt;ID&gt;?');
      expect(page.body.value).toContain(`action="${TEST_ISSUER}/logout/confirm"`);
      expect(page.body.value).toContain('<button type="submit" class="primary">Sign out</button>');
      await expectSignedIn(b, true);
      expect(endSessionCalls()).toEqual([]);
    });

    it('the confirmed form ends the session and goes where the client asked', async () => {
      const b = await signedIn();
      const page = pageOf(
        await service.logout(b.request(), {
          client_id: 'web-app',
          post_logout_redirect_uri: SIGNED_OUT,
          state: 'xyz',
        }),
      );
      // The page may post on to the client's origin (Chromium checks form-action on redirects).
      expect(page.formActionSources).toEqual(['https://app.example.test']);
      const outcome = await service.confirm(b.request({ origin: TEST_ISSUER }), {
        logout: hiddenInput(page, 'logout'),
        csrf: hiddenInput(page, 'csrf'),
      });
      expect(outcome).toEqual({ redirect: `${SIGNED_OUT}?state=xyz` });
      await expectSignedIn(b, false);
      expect(endSessionCalls()).toEqual([{ sid: b.session.sid, sub: 'alice' }]);
      expect(sent).toEqual([LOGOUT_TOKENS]);
      // Used once.
      await expect(
        service.confirm(b.request(), {
          logout: hiddenInput(page, 'logout'),
          csrf: hiddenInput(page, 'csrf'),
        }),
      ).rejects.toThrow('this sign-out request has expired');
    });

    it.each<
      [string, (form: { logout: string; csrf: string }) => Record<string, string>, string | null]
    >([
      ['a wrong CSRF token', (f) => ({ logout: f.logout, csrf: `${f.csrf}x` }), null],
      ['no CSRF token', (f) => ({ logout: f.logout }), null],
      ['an unknown logout id', (f) => ({ logout: 'A'.repeat(43), csrf: f.csrf }), null],
      ['no logout id', (f) => ({ csrf: f.csrf }), null],
      ['a post from another site', (f) => f, 'https://evil.example'],
    ])('refuses %s, ending nothing', async (_what, form, origin) => {
      const b = await signedIn();
      const page = pageOf(await service.logout(b.request(), {}));
      const fields = { logout: hiddenInput(page, 'logout'), csrf: hiddenInput(page, 'csrf') };
      await expect(
        service.confirm(b.request(origin ? { origin } : {}), form(fields)),
      ).rejects.toBeInstanceOf(InvalidRequest);
      await expectSignedIn(b, true);
      expect(endSessionCalls()).toEqual([]);
      // The genuine form still works afterwards.
      pageOf(await service.confirm(b.request(), fields));
      await expectSignedIn(b, false);
    });

    it('does not end a session started after the page was shown', async () => {
      const b = await signedIn();
      const page = pageOf(await service.logout(b.request(), {}));
      await sessions.start(b.port(), { sub: 'alice', amr: ['pwd'] });
      await expect(
        service.confirm(b.request(), {
          logout: hiddenInput(page, 'logout'),
          csrf: hiddenInput(page, 'csrf'),
        }),
      ).rejects.toThrow('you signed in again meanwhile');
      await expectSignedIn(b, true);
    });
  });

  describe('without a session', () => {
    it('has nothing to end: straight to the client or the signed-out page', async () => {
      const b = browser();
      expect(
        await service.logout(b.request(), {
          id_token_hint: await idToken({ sid: 'gone' }),
          post_logout_redirect_uri: SIGNED_OUT,
          state: 's',
        }),
      ).toEqual({ redirect: `${SIGNED_OUT}?state=s` });
      expect(pageOf(await service.logout(b.request(), {})).title).toBe('Signed out');
      expect(endSessionCalls()).toEqual([]);
    });
  });

  it('POST /logout continues as a same-site GET with the same parameters', () => {
    expect(
      service.forward({ id_token_hint: 'h.i.nt', state: 'a b', ui_locales: 'de', other: 'x' }),
    ).toBe(`${TEST_ISSUER}/logout?id_token_hint=h.i.nt&state=a+b`);
    expect(service.forward({})).toBe(`${TEST_ISSUER}/logout`);
    expect(() => service.forward({ state: ['a', 'b'] })).toThrow(InvalidRequest);
  });
});
