import { ConsentRequired, LoginRequired } from '@latchkey/oauth';
import { webClient } from '../fixtures/client.fixture';
import {
  checkPromptNoneAllowsConsent,
  checkPromptNoneAllowsLogin,
  consentNeeded,
  loginNeeded,
  type AuthenticatedUser,
} from './authorization-decision';
import type { AuthorizationRequest } from './authorization-request';

const NOW = 1_700_000_000;

function request(overrides: Partial<AuthorizationRequest> = {}): AuthorizationRequest {
  return {
    client_id: 'web-app',
    redirect_uri: 'https://app.example.test/callback',
    redirect_uri_explicit: true,
    scopes: ['openid', 'profile'],
    prompt: [],
    ...overrides,
  };
}

const session: AuthenticatedUser = { sub: 'alice', auth_time: NOW - 600, amr: ['pwd'], sid: 's1' };

describe('loginNeeded', () => {
  it('is not needed with a session and nothing asking for more', () => {
    expect(loginNeeded(request(), session, NOW)).toBeUndefined();
  });

  it.each([
    ['no session', request(), undefined, 'no_session'],
    ['prompt=login', request({ prompt: ['login'] }), session, 'prompt'],
    ['prompt=select_account', request({ prompt: ['select_account'] }), session, 'prompt'],
    ['max_age exceeded', request({ max_age: 599 }), session, 'max_age'],
    ['max_age=0', request({ max_age: 0 }), { ...session, auth_time: NOW }, 'max_age'],
    ['id_token_hint of another user', request({ id_token_hint_sub: 'bob' }), session, 'other_user'],
  ] as const)('%s → %s', (_what, req, current, reason) => {
    expect(loginNeeded(req, current, NOW)).toBe(reason);
  });

  it('max_age not exceeded and a hint of the same user keep the session', () => {
    expect(loginNeeded(request({ max_age: 600, id_token_hint_sub: 'alice' }), session, NOW)).toBe(
      undefined,
    );
  });
});

describe('checkPromptNoneAllowsLogin', () => {
  it('turns a needed login into login_required with prompt=none', () => {
    const silent = request({ prompt: ['none'] });
    expect(() => checkPromptNoneAllowsLogin(silent, 'no_session')).toThrow(LoginRequired);
    expect(() => checkPromptNoneAllowsLogin(silent, 'other_user')).toThrow(/id_token_hint/);
    expect(() => checkPromptNoneAllowsLogin(silent, undefined)).not.toThrow();
    expect(() => checkPromptNoneAllowsLogin(request(), 'no_session')).not.toThrow();
  });
});

describe('consentNeeded', () => {
  it('is needed until every requested scope was consented to', () => {
    expect(consentNeeded(request(), webClient(), new Set())).toBe(true);
    expect(consentNeeded(request(), webClient(), new Set(['openid']))).toBe(true);
    expect(consentNeeded(request(), webClient(), new Set(['openid', 'profile', 'email']))).toBe(
      false,
    );
  });

  it('offline_access needs consent like any scope', () => {
    const offline = request({ scopes: ['openid', 'offline_access'] });
    expect(consentNeeded(offline, webClient(), new Set(['openid']))).toBe(true);
    expect(consentNeeded(offline, webClient(), new Set(['openid', 'offline_access']))).toBe(false);
  });

  it('is skipped for skip_consent clients, offline_access included', () => {
    const offline = request({ scopes: ['openid', 'offline_access'] });
    expect(consentNeeded(offline, webClient({ skip_consent: true }), new Set())).toBe(false);
  });

  it('prompt=consent always asks', () => {
    const all = new Set(['openid', 'profile']);
    expect(consentNeeded(request({ prompt: ['consent'] }), webClient(), all)).toBe(true);
  });
});

describe('checkPromptNoneAllowsConsent', () => {
  it('turns a needed consent into consent_required with prompt=none', () => {
    expect(() => checkPromptNoneAllowsConsent(request({ prompt: ['none'] }), true)).toThrow(
      ConsentRequired,
    );
    expect(() => checkPromptNoneAllowsConsent(request({ prompt: ['none'] }), false)).not.toThrow();
    expect(() => checkPromptNoneAllowsConsent(request(), true)).not.toThrow();
  });
});
