import {
  ADMIN_SCOPE,
  checkNoAdminScopeInUserFlow,
  InvalidRedirectUri,
  InvalidRequest,
  InvalidScope,
  MAX_CLIENT_ID_LENGTH,
  type OAuthError,
  UnauthorizedClient,
  UnsupportedResponseType,
} from '@latchkey/oauth';
import { REDIRECT_URI, webClient } from '../fixtures/client.fixture';
import { RequestNotSupported, RequestUriNotSupported } from './authorize-errors';
import {
  checkAuthorizationCodeGrant,
  checkClientActive,
  checkClientId,
  checkLoginHint,
  checkMaxAge,
  checkNoRequestObject,
  checkNonce,
  checkPkce,
  checkPrompt,
  checkRedirectUri,
  checkResponseMode,
  checkResponseType,
  checkScope,
  checkState,
  dropUnusableOfflineAccess,
  echoableState,
} from './authorize-rules';

const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

/** What the one admin rule of libs/oauth answers a user flow that asks for admin. */
function userFlowAdminRefusal(): Pick<OAuthError, 'status' | 'error' | 'description'> {
  try {
    checkNoAdminScopeInUserFlow(new Set([ADMIN_SCOPE]));
  } catch (err) {
    const { status, error, description } = err as OAuthError;
    return { status, error, description };
  }
  throw new Error('the admin rule let admin through');
}

describe('authorization endpoint rules', () => {
  describe('checkClientId / checkClientActive (shown on the page)', () => {
    it('requires a client_id of sane length', () => {
      expect(() => checkClientId(undefined)).toThrow(InvalidRequest);
      expect(checkClientId('web-app')).toBe('web-app');
    });

    // The one limit of libs/oauth; token client authentication and the registry are held to the
    // same boundary (client-authenticator.service.spec.ts, client-rules.spec.ts).
    it('bounds client_id at the platform MAX_CLIENT_ID_LENGTH', () => {
      const longest = 'x'.repeat(MAX_CLIENT_ID_LENGTH);
      expect(checkClientId(longest)).toBe(longest);
      expect(() => checkClientId(`${longest}x`)).toThrow(InvalidRequest);
    });

    it('refuses unknown and disabled clients alike', () => {
      expect(() => checkClientActive(null)).toThrow('client_id does not identify an active client');
      expect(() => checkClientActive(webClient({ disabled: true }))).toThrow(
        'client_id does not identify an active client',
      );
      expect(() => checkClientActive(webClient())).not.toThrow();
    });
  });

  describe('checkRedirectUri (shown on the page)', () => {
    const several = webClient({ redirect_uris: [REDIRECT_URI, 'https://app.example.test/other'] });

    it('takes a registered URI exactly, and says it was explicit', () => {
      expect(checkRedirectUri(REDIRECT_URI, several, 'profile')).toEqual({
        redirectUri: REDIRECT_URI,
        explicit: true,
      });
    });

    it('falls back to the only registered URI for a non-OIDC request', () => {
      expect(checkRedirectUri(undefined, webClient(), 'orders:read')).toEqual({
        redirectUri: REDIRECT_URI,
        explicit: false,
      });
    });

    it('requires it when several are registered', () => {
      expect(() => checkRedirectUri(undefined, several, 'orders:read')).toThrow(InvalidRequest);
    });

    it('requires it for OpenID Connect requests, even with one registered', () => {
      expect(() => checkRedirectUri(undefined, webClient(), 'openid profile')).toThrow(
        'redirect_uri is required for OpenID Connect requests',
      );
      expect(() => checkRedirectUri(undefined, webClient(), ['profile', 'openid'])).toThrow(
        InvalidRequest,
      );
    });

    it.each([
      `${REDIRECT_URI}/`,
      'https://APP.example.test/callback',
      `${REDIRECT_URI}?x=1`,
      'https://evil.example/callback',
    ])('refuses %s (exact match only)', (uri) => {
      expect(() => checkRedirectUri(uri, webClient(), 'openid')).toThrow(InvalidRedirectUri);
    });

    it('lets a loopback URI vary its port (RFC 8252 §7.3)', () => {
      const native = webClient({ redirect_uris: ['http://127.0.0.1/cb'] });
      expect(checkRedirectUri('http://127.0.0.1:51234/cb', native, 'openid').redirectUri).toBe(
        'http://127.0.0.1:51234/cb',
      );
    });
  });

  describe('rules whose errors are redirected', () => {
    it('checkNoRequestObject: request and request_uri have their own codes', () => {
      expect(() => checkNoRequestObject({ request: 'eyJ...' })).toThrow(RequestNotSupported);
      expect(() => checkNoRequestObject({ request_uri: 'urn:x' })).toThrow(RequestUriNotSupported);
      expect(new RequestNotSupported().error).toBe('request_not_supported');
      expect(new RequestUriNotSupported().error).toBe('request_uri_not_supported');
      expect(() => checkNoRequestObject({})).not.toThrow();
    });

    it('checkResponseType: code only; missing is invalid_request', () => {
      expect(checkResponseType('code')).toBe('code');
      expect(() => checkResponseType(undefined)).toThrow(InvalidRequest);
      expect(() => checkResponseType('token')).toThrow(UnsupportedResponseType);
      expect(() => checkResponseType('code id_token')).toThrow(UnsupportedResponseType);
    });

    it('checkResponseMode: query only', () => {
      expect(() => checkResponseMode(undefined)).not.toThrow();
      expect(() => checkResponseMode('query')).not.toThrow();
      expect(() => checkResponseMode('fragment')).toThrow(InvalidRequest);
      expect(() => checkResponseMode('form_post')).toThrow(InvalidRequest);
    });

    it('checkAuthorizationCodeGrant: unauthorized_client without the grant', () => {
      expect(() =>
        checkAuthorizationCodeGrant(webClient({ grant_types: ['client_credentials'] })),
      ).toThrow(UnauthorizedClient);
      expect(() => checkAuthorizationCodeGrant(webClient())).not.toThrow();
    });

    it('checkScope: required, well-formed, registered', () => {
      expect(checkScope('openid  profile', webClient())).toEqual(['openid', 'profile']);
      expect(() => checkScope(undefined, webClient())).toThrow(InvalidScope);
      expect(() => checkScope('   ', webClient())).toThrow(InvalidScope);
      expect(() => checkScope('openid "x"', webClient())).toThrow(InvalidScope);
      expect(() => checkScope('openid orders:write', webClient())).toThrow(
        'scope not allowed for this client',
      );
      expect(() => checkScope('openid', webClient({ scope: undefined }))).toThrow(InvalidScope);
    });

    // The one rule of libs/oauth; the token service's code issuance is held to it too
    // (authorization-code.spec.ts).
    it('checkScope: refuses the platform ADMIN_SCOPE even to a client registered for it', () => {
      const adminToo = webClient({ scope: `openid ${ADMIN_SCOPE}` });
      let thrown: unknown;
      try {
        checkScope(`openid ${ADMIN_SCOPE}`, adminToo);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(InvalidScope);
      expect(thrown).toMatchObject(userFlowAdminRefusal());
    });

    it('dropUnusableOfflineAccess: only with the refresh_token grant', () => {
      expect(dropUnusableOfflineAccess(['openid', 'offline_access'], webClient())).toEqual([
        'openid',
        'offline_access',
      ]);
      expect(
        dropUnusableOfflineAccess(
          ['openid', 'offline_access'],
          webClient({ grant_types: ['authorization_code'] }),
        ),
      ).toEqual(['openid']);
    });

    it('checkPkce: S256 required for public clients, optional for confidential ones', () => {
      expect(
        checkPkce({ code_challenge: CHALLENGE, code_challenge_method: 'S256' }, webClient()),
      ).toEqual({ code_challenge: CHALLENGE, code_challenge_method: 'S256' });
      expect(() => checkPkce({}, webClient())).toThrow(/code_challenge is required/);
      expect(
        checkPkce({}, webClient({ token_endpoint_auth_method: 'client_secret_basic' })),
      ).toEqual({});
      expect(() =>
        checkPkce({ code_challenge: CHALLENGE, code_challenge_method: 'plain' }, webClient()),
      ).toThrow(InvalidRequest);
      expect(() => checkPkce({ code_challenge: CHALLENGE }, webClient())).toThrow(InvalidRequest);
      expect(() =>
        checkPkce({ code_challenge: 'short', code_challenge_method: 'S256' }, webClient()),
      ).toThrow(/43 to 128/);
    });

    it('checkPrompt: known values, none alone', () => {
      expect(checkPrompt(undefined)).toEqual([]);
      expect(checkPrompt('login consent')).toEqual(['login', 'consent']);
      expect(checkPrompt('select_account')).toEqual(['select_account']);
      expect(() => checkPrompt('none login')).toThrow(
        'prompt=none cannot be combined with other values',
      );
      expect(() => checkPrompt('bogus')).toThrow(InvalidRequest);
    });

    it.each(['-1', '1.5', 'abc', '1e3', ' 5', '99999999999'])('checkMaxAge refuses %s', (value) => {
      expect(() => checkMaxAge(value)).toThrow('max_age must be a non-negative integer');
    });

    it('checkMaxAge reads seconds, 0 included', () => {
      expect(checkMaxAge('0')).toBe(0);
      expect(checkMaxAge('3600')).toBe(3600);
      expect(checkMaxAge(undefined)).toBeUndefined();
    });

    it('bounds state, nonce and login_hint', () => {
      expect(checkState('s')).toBe('s');
      expect(() => checkState('s'.repeat(4097))).toThrow(InvalidRequest);
      expect(checkNonce('n')).toBe('n');
      expect(() => checkNonce('n'.repeat(2049))).toThrow(InvalidRequest);
      expect(checkLoginHint('alice')).toBe('alice');
      expect(() => checkLoginHint('a'.repeat(257))).toThrow(InvalidRequest);
    });

    it('echoableState: a single acceptable value only', () => {
      expect(echoableState({ state: 'abc' })).toBe('abc');
      expect(echoableState({ state: ['a', 'b'] })).toBeUndefined();
      expect(echoableState({ state: '' })).toBeUndefined();
      expect(echoableState({ state: 'x'.repeat(4097) })).toBeUndefined();
      expect(echoableState({})).toBeUndefined();
    });
  });
});
