import type { ClaimScopesCache } from '@latchkey/registry-client';
import type { UpstreamLoginService } from '../federation/upstream-login.service';
import { expect } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { RecordingAuditClient } from '@latchkey/testing';
import {
  ClientSubjects,
  ResourceSubjects,
  TokenSubjects,
  type ClientRecord,
} from '@latchkey/contracts';
import { MemoryKvStore } from '@latchkey/kv';
import { InvalidRequest, TemporarilyUnavailable } from '@latchkey/oauth';
import { ClientsCache, ResourcesCache } from '@latchkey/registry-client';
import { AuthorizationRequestReader } from '../authorize/authorization-request.reader';
import { CodeIssuer } from '../authorize/code-issuer';
import { IdTokenHintVerifier } from '../authorize/id-token-hint.verifier';
import { FixedClock } from '@latchkey/core';
import { ConsentService } from '../consent/consent.service';
import type { ConsentsRepository } from '../consent/consents.repository';
import { ErrorRedirect } from '../errors/error-redirect';
import { TEST_ISSUER } from '../fixtures/access-token.fixture';
import { TestBrowser } from '../fixtures/browser.fixture';
import { REDIRECT_URI, webClient } from '../fixtures/client.fixture';
import { FakeBus } from '../fixtures/fake-bus.fixture';
import { hiddenInput, pageOf, redirectOf } from '../fixtures/page.fixture';
import { LoginRateLimiter } from '../login/login-rate-limiter';
import { LOGIN_FAILED_MESSAGE, LoginService } from '../login/login.service';
import type { PageOrRedirect } from '../pages/page';
import { SessionService } from '../session/session.service';
import { SessionsRepository } from '../session/sessions.repository';
import type { User } from '../users/user';
import type { UsersService } from '../users/users.service';
import { JwksService } from '../well-known/jwks.service';
import type { Interaction } from './interaction';
import { InteractionFlow } from './interaction-flow.service';
import { InteractionService } from './interaction.service';
import { InteractionsRepository } from './interactions.repository';

const T0 = 1_700_000_000_000;
const PASSWORD = 'correct horse battery staple';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const LOGIN = `${TEST_ISSUER}/login?interaction=`;
const CONSENT = `${TEST_ISSUER}/consent?interaction=`;

/** Remembered consents in memory, as the repository keeps them (scopes only ever added). */
class FakeConsents {
  readonly rows = new Map<string, Set<string>>();

  async scopesOf(sub: string, clientId: string): Promise<Set<string>> {
    return new Set(this.rows.get(`${sub}|${clientId}`) ?? []);
  }

  async grant(
    sub: string,
    clientId: string,
    scopes: readonly string[],
    _at: Date,
    andThen: (em: never) => Promise<unknown>,
  ): Promise<void> {
    const key = `${sub}|${clientId}`;
    this.rows.set(key, new Set([...(this.rows.get(key) ?? []), ...scopes]));
    await andThen(undefined as never);
  }
}

function interactionIdOf(url: string): string {
  return new URL(url).searchParams.get('interaction')!;
}

/** The parameters of a redirect back to the client. */
function clientRedirect(url: string): Record<string, string> {
  expect(url.startsWith(`${REDIRECT_URI}?`)).toBe(true);
  return Object.fromEntries(new URL(url).searchParams);
}

async function errorRedirectOf(promise: Promise<unknown>): Promise<Record<string, string>> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ErrorRedirect);
  return clientRedirect((err as ErrorRedirect).location);
}

describe('InteractionFlow', () => {
  let clock: FixedClock;
  let kv: MemoryKvStore;
  let bus: FakeBus;
  let client: ClientRecord;
  let consents: FakeConsents;
  let users: Map<string, User>;
  let sessions: SessionService;
  let interactions: InteractionsRepository;
  let audit: RecordingAuditClient;
  let flow: InteractionFlow;
  let codes: number;

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    clock = new FixedClock(T0);
    kv = new MemoryKvStore({ now: () => clock.now().getTime(), sweepIntervalMs: 0 });
    client = webClient();
    codes = 0;
    bus = new FakeBus()
      .on(ClientSubjects.Get, (data) =>
        (data as { client_id: string }).client_id === client.client_id ? client : null,
      )
      .on(TokenSubjects.IssueCode, () => ({ code: `code-${++codes}` }))
      .on(ResourceSubjects.All, () => []);
    consents = new FakeConsents();
    users = new Map([['user-1', { id: 'user-1', username: 'alice', disabled: false } as User]]);
    const usersService = {
      verifyCredentials: async (username: string, password: string) =>
        username === 'alice' && password === PASSWORD ? users.get('user-1')! : null,
      findById: async (sub: string) => users.get(sub) ?? null,
      findActiveById: async (sub: string) => {
        const user = users.get(sub);
        return user && !user.disabled ? user : null;
      },
    } as unknown as UsersService;
    sessions = new SessionService(
      new SessionsRepository(kv),
      clock,
      new RecordingAuditClient('gateway'),
    );
    interactions = new InteractionsRepository(kv);
    audit = new RecordingAuditClient('gateway');
    const busClient = bus.asBusClient();
    const clients = new ClientsCache(busClient, clock);
    const resources = new ResourcesCache(busClient, clock);
    flow = new InteractionFlow(
      new AuthorizationRequestReader(
        clients,
        new IdTokenHintVerifier(new JwksService(busClient), TEST_ISSUER),
        resources,
        { all: async () => new Map() } as unknown as ClaimScopesCache,
        TEST_ISSUER,
      ),
      clients,
      new InteractionService(interactions, clock, TEST_ISSUER),
      sessions,
      usersService,
      new LoginService(
        usersService,
        sessions,
        new LoginRateLimiter(kv),
        // No LDAP directory is enabled here (docs/identity-providers.md).
        {
          signInWithDirectory: async () => ({ refused: 'not_found' }),
        } as unknown as UpstreamLoginService,
        audit,
        TEST_ISSUER,
      ),
      // No upstream identity provider is enabled here (docs/identity-providers.md).
      { offered: async () => [] } as unknown as UpstreamLoginService,
      new ConsentService(
        consents as unknown as ConsentsRepository,
        usersService,
        resources,
        audit,
        clock,
        TEST_ISSUER,
      ),
      new CodeIssuer(busClient, TEST_ISSUER),
      clock,
      TEST_ISSUER,
    );
  });

  afterEach(async () => {
    await kv.close();
    jest.restoreAllMocks();
  });

  const params = (extra: Record<string, string> = {}) => ({
    client_id: 'web-app',
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'openid profile',
    state: 'st-1',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    ...extra,
  });

  const stored = async (id: string): Promise<Interaction | null> =>
    (await interactions.find(id))?.interaction ?? null;

  /** Submits the login form of the page the flow showed for `loginUrl`. */
  async function submitLogin(
    browser: TestBrowser,
    loginUrl: string,
    password = PASSWORD,
  ): Promise<PageOrRedirect> {
    const page = await flow.loginPage(browser.request(), interactionIdOf(loginUrl));
    return flow.submitLogin(browser.request({ origin: TEST_ISSUER }), {
      interaction: hiddenInput(page, 'interaction'),
      csrf: hiddenInput(page, 'csrf'),
      username: 'alice',
      password,
    });
  }

  /** Answers the consent page the flow showed for `consentUrl`. */
  async function decide(browser: TestBrowser, consentUrl: string, decision: string) {
    const page = pageOf(await flow.consentPage(browser.request(), interactionIdOf(consentUrl)));
    return flow.submitConsent(browser.request({ origin: TEST_ISSUER }), {
      interaction: hiddenInput(page, 'interaction'),
      csrf: hiddenInput(page, 'csrf'),
      decision,
    });
  }

  /** A browser signed in as alice (through the flow), with nothing remembered for the client. */
  async function signedInBrowser(): Promise<TestBrowser> {
    const browser = new TestBrowser();
    const login = await flow.authorize(browser.request(), params({ scope: 'openid' }));
    consents.rows.set('user-1|web-app', new Set(['openid']));
    redirectOf(await submitLogin(browser, login));
    consents.rows.clear();
    bus.requests.length = 0;
    return browser;
  }

  describe('request accepted: login needed?', () => {
    it('without a session: the login page, for an interaction bound to this browser', async () => {
      const browser = new TestBrowser();
      const next = await flow.authorize(browser.request(), params());
      expect(next.startsWith(LOGIN)).toBe(true);
      expect([...browser.cookies.keys()]).toEqual(['__Host-latchkey_browser']);
      expect(await stored(interactionIdOf(next))).toMatchObject({
        client_name: 'Web App',
        request: { client_id: 'web-app', scopes: ['openid', 'profile'], state: 'st-1' },
      });
      expect((await stored(interactionIdOf(next)))?.user).toBeUndefined();
    });

    it.each([
      ['prompt=login', { prompt: 'login' }],
      ['max_age=0', { max_age: '0' }],
    ])('with a session but %s: the login page again', async (_what, extra) => {
      const browser = await signedInBrowser();
      expect((await flow.authorize(browser.request(), params(extra))).startsWith(LOGIN)).toBe(true);
    });

    it("a disabled user's session does not count, and ends", async () => {
      const browser = await signedInBrowser();
      users.get('user-1')!.disabled = true;
      expect((await flow.authorize(browser.request(), params())).startsWith(LOGIN)).toBe(true);
      expect(await sessions.current(browser.port())).toBeUndefined();
    });

    it('prompt=none without a session: login_required back to the client, no interaction', async () => {
      const browser = new TestBrowser();
      const error = await errorRedirectOf(
        flow.authorize(browser.request(), params({ prompt: 'none' })),
      );
      expect(error).toMatchObject({ error: 'login_required', state: 'st-1', iss: TEST_ISSUER });
      expect(browser.cookies.size).toBe(0);
    });

    it('a bad request after the redirect URI is proven goes back to the client', async () => {
      const error = await errorRedirectOf(
        flow.authorize(new TestBrowser().request(), params({ response_type: 'token' })),
      );
      expect(error).toMatchObject({ error: 'unsupported_response_type', state: 'st-1' });
    });
  });

  describe('login page → credentials checked', () => {
    it('shows the form for the interaction, prefilled with login_hint', async () => {
      const browser = new TestBrowser();
      const login = await flow.authorize(browser.request(), params({ login_hint: 'alice' }));
      const page = await flow.loginPage(browser.request(), interactionIdOf(login));
      expect(page.body.value).toContain('name="username"');
      expect(page.body.value).toContain('value="alice"');
      expect(page.body.value).toContain('name="password"');
      expect(hiddenInput(page, 'interaction')).toBe(interactionIdOf(login));
    });

    it('another browser cannot continue the interaction', async () => {
      const login = await flow.authorize(new TestBrowser().request(), params());
      await expect(
        flow.loginPage(new TestBrowser().request(), interactionIdOf(login)),
      ).rejects.toBeInstanceOf(InvalidRequest);
    });

    it('a wrong password is the form again (400), with no session and the same step', async () => {
      const browser = new TestBrowser();
      const login = await flow.authorize(browser.request(), params());
      const page = pageOf(await submitLogin(browser, login, 'wrong'));
      expect(page.status).toBe(400);
      expect(page.body.value).toContain(LOGIN_FAILED_MESSAGE);
      expect(await sessions.current(browser.port())).toBeUndefined();
      expect((await stored(interactionIdOf(login)))?.user).toBeUndefined();
    });

    it('refuses a form without its CSRF token', async () => {
      const browser = new TestBrowser();
      const login = await flow.authorize(browser.request(), params());
      await expect(
        flow.submitLogin(browser.request(), {
          interaction: interactionIdOf(login),
          csrf: 'forged',
          username: 'alice',
          password: PASSWORD,
        }),
      ).rejects.toBeInstanceOf(InvalidRequest);
      expect(await sessions.current(browser.port())).toBeUndefined();
    });

    it('the right password: a session, then the consent page for the same interaction', async () => {
      const browser = new TestBrowser();
      const login = await flow.authorize(browser.request(), params());
      const next = redirectOf(await submitLogin(browser, login));
      expect(next).toBe(`${CONSENT}${interactionIdOf(login)}`);
      const current = await sessions.current(browser.port());
      expect(current?.session.sub).toBe('user-1');
      expect(await stored(interactionIdOf(login))).toMatchObject({
        user: { sub: 'user-1', sid: current!.session.sid },
        logged_in_here: true,
      });
      expect(audit.ofType('login.succeeded')).toHaveLength(1);
    });
  });

  describe('consent needed? (decided in one place)', () => {
    it.each<[string, () => void, Record<string, string>, 'consent' | 'code']>([
      ['nothing remembered', () => undefined, {}, 'consent'],
      ['every scope remembered', () => remember('openid', 'profile'), {}, 'code'],
      ['one scope not remembered', () => remember('openid'), {}, 'consent'],
      ['a skip_consent client', () => (client = webClient({ skip_consent: true })), {}, 'code'],
      [
        'prompt=consent despite remembered scopes',
        () => remember('openid', 'profile'),
        { prompt: 'consent' },
        'consent',
      ],
    ])(
      '%s: the same step from the session and right after signing in',
      async (_what, arrange, extra, expected) => {
        arrange();
        const fresh = new TestBrowser();
        const login = await flow.authorize(fresh.request(), params(extra));
        const afterLogin = redirectOf(await submitLogin(fresh, login));
        const fromSession = await flow.authorize(fresh.request(), params(extra));
        for (const next of [afterLogin, fromSession]) {
          if (expected === 'consent') expect(next.startsWith(CONSENT)).toBe(true);
          else expect(clientRedirect(next)).toMatchObject({ code: expect.any(String) });
        }
      },
    );

    function remember(...scopes: string[]): void {
      consents.rows.set('user-1|web-app', new Set(scopes));
    }

    it('from the session with consent remembered: the code at once (303 target: code, state, iss)', async () => {
      const browser = await signedInBrowser();
      consents.rows.set('user-1|web-app', new Set(['openid', 'profile']));
      const next = await flow.authorize(browser.request(), params({ nonce: 'n-1' }));
      expect(clientRedirect(next)).toEqual({ code: 'code-2', state: 'st-1', iss: TEST_ISSUER });
      const [issued] = bus.requestsFor(TokenSubjects.IssueCode);
      expect(issued).toMatchObject({
        client_id: 'web-app',
        sub: 'user-1',
        scope: 'openid profile',
        nonce: 'n-1',
        code_challenge: CHALLENGE,
      });
    });

    it('after signing in with consent remembered: the code, and the interaction is finished', async () => {
      consents.rows.set('user-1|web-app', new Set(['openid', 'profile']));
      const browser = new TestBrowser();
      const login = await flow.authorize(browser.request(), params());
      const next = redirectOf(await submitLogin(browser, login));
      expect(clientRedirect(next)).toEqual({ code: 'code-1', state: 'st-1', iss: TEST_ISSUER });
      expect(await stored(interactionIdOf(login))).toBeNull();
    });

    it('from the session without consent: the consent page of a new interaction', async () => {
      const browser = await signedInBrowser();
      const next = await flow.authorize(browser.request(), params());
      expect(next.startsWith(CONSENT)).toBe(true);
      expect((await stored(interactionIdOf(next)))?.user?.sub).toBe('user-1');
      expect(bus.requestsFor(TokenSubjects.IssueCode)).toEqual([]);
    });

    it('prompt=none when consent is needed: consent_required back to the client', async () => {
      const browser = await signedInBrowser();
      const error = await errorRedirectOf(
        flow.authorize(browser.request(), params({ prompt: 'none' })),
      );
      expect(error).toMatchObject({ error: 'consent_required', state: 'st-1' });
    });
  });

  describe('consent page → decision', () => {
    it('before anyone signed in: the login page first', async () => {
      const browser = new TestBrowser();
      const login = await flow.authorize(browser.request(), params());
      const answer = await flow.consentPage(browser.request(), interactionIdOf(login));
      expect(redirectOf(answer)).toBe(login);
    });

    it('shows who consents to what, with the decision buttons', async () => {
      const browser = await signedInBrowser();
      const consent = await flow.authorize(browser.request(), params());
      const page = pageOf(await flow.consentPage(browser.request(), interactionIdOf(consent)));
      expect(page.body.value).toContain('alice');
      expect(page.body.value).toContain('name="decision" value="allow"');
      expect(page.body.value).toContain('name="decision" value="deny"');
    });

    it('allow: the consent is remembered and the code issued; the step is finished', async () => {
      const browser = await signedInBrowser();
      const consent = await flow.authorize(browser.request(), params());
      const next = await decide(browser, consent, 'allow');
      expect(clientRedirect(next)).toEqual({ code: 'code-2', state: 'st-1', iss: TEST_ISSUER });
      expect(await consents.scopesOf('user-1', 'web-app')).toEqual(new Set(['openid', 'profile']));
      expect(audit.ofType('consent.granted')).toHaveLength(1);
      await expect(decide(browser, consent, 'allow')).rejects.toBeInstanceOf(InvalidRequest);
    });

    it('deny: access_denied back to the client, nothing remembered, no code', async () => {
      const browser = await signedInBrowser();
      const consent = await flow.authorize(browser.request(), params());
      const error = await errorRedirectOf(decide(browser, consent, 'deny'));
      expect(error).toMatchObject({ error: 'access_denied', state: 'st-1', iss: TEST_ISSUER });
      expect(consents.rows.size).toBe(0);
      expect(bus.requestsFor(TokenSubjects.IssueCode)).toEqual([]);
      expect(audit.ofType('consent.denied')).toHaveLength(1);
    });

    it('refuses an answer once the session that the consent was for has ended', async () => {
      const browser = await signedInBrowser();
      const consent = await flow.authorize(browser.request(), params());
      const page = pageOf(await flow.consentPage(browser.request(), interactionIdOf(consent)));
      await sessions.endCurrent(browser.port());
      await expect(
        flow.submitConsent(browser.request(), {
          interaction: hiddenInput(page, 'interaction'),
          csrf: hiddenInput(page, 'csrf'),
          decision: 'allow',
        }),
      ).rejects.toThrow('your session has ended');
      expect(bus.requestsFor(TokenSubjects.IssueCode)).toEqual([]);
    });

    it('a token service outage is a 503 and the interaction stays, so the user can retry', async () => {
      const browser = await signedInBrowser();
      const consent = await flow.authorize(browser.request(), params());
      bus.on(TokenSubjects.IssueCode, () => {
        throw new TemporarilyUnavailable();
      });
      await expect(decide(browser, consent, 'allow')).rejects.toBeInstanceOf(
        TemporarilyUnavailable,
      );
      bus.on(TokenSubjects.IssueCode, () => ({ code: 'code-retry' }));
      expect(clientRedirect(await decide(browser, consent, 'allow')).code).toBe('code-retry');
    });
  });

  describe('form POST /authorize: parked, then resumed with the cookies', () => {
    it('parks the request unbound and resumes it to the login page', async () => {
      const poster = new TestBrowser();
      const resume = await flow.park(poster.request(), params());
      expect(resume.startsWith(`${TEST_ISSUER}/authorize/resume?interaction=`)).toBe(true);
      expect(poster.cookies.size).toBe(0);
      const browser = new TestBrowser();
      const next = await flow.resume(browser.request(), interactionIdOf(resume));
      expect(next).toBe(`${LOGIN}${interactionIdOf(resume)}`);
    });

    it('resumed with a session and remembered consent: the code, the parked request finished', async () => {
      const browser = await signedInBrowser();
      consents.rows.set('user-1|web-app', new Set(['openid', 'profile']));
      const resume = await flow.park(new TestBrowser().request(), params());
      const next = await flow.resume(browser.request(), interactionIdOf(resume));
      expect(clientRedirect(next)).toMatchObject({ code: 'code-2', state: 'st-1' });
      expect(await stored(interactionIdOf(resume))).toBeNull();
    });

    it('resumed with a session but no consent: the consent page of the parked request', async () => {
      const browser = await signedInBrowser();
      const resume = await flow.park(new TestBrowser().request(), params());
      const next = await flow.resume(browser.request(), interactionIdOf(resume));
      expect(next).toBe(`${CONSENT}${interactionIdOf(resume)}`);
      expect((await stored(interactionIdOf(resume)))?.user?.sub).toBe('user-1');
    });
  });
});
