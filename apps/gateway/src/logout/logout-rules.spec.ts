import { InvalidRequest } from '@latchkey/oauth';
import { webClient } from '../fixtures/client.fixture';
import type { SsoSession } from '../session/sso-session';
import {
  checkClientIdMatchesHint,
  checkLogoutHintClaims,
  checkPostLogoutRedirectUri,
  hintMatchesSession,
  postLogoutRedirect,
} from './logout-rules';

const ISSUER = 'https://id.example.test';

function verified(claims: Record<string, unknown>, typ = 'JWT') {
  return {
    payload: new TextEncoder().encode(JSON.stringify({ iss: ISSUER, sub: 'alice', ...claims })),
    protectedHeader: { typ },
  };
}

describe('logout rules', () => {
  describe('checkLogoutHintClaims', () => {
    it('answers sub, sid and the client (aud, the only audience, or azp)', () => {
      expect(checkLogoutHintClaims(verified({ aud: 'web-app', sid: 's1' }), ISSUER)).toEqual({
        sub: 'alice',
        sid: 's1',
        client_id: 'web-app',
      });
      expect(checkLogoutHintClaims(verified({ aud: ['web-app'] }), ISSUER)).toEqual({
        sub: 'alice',
        client_id: 'web-app',
      });
      expect(
        checkLogoutHintClaims(verified({ aud: ['web-app', 'api'], azp: 'web-app' }), ISSUER)
          .client_id,
      ).toBe('web-app');
    });

    it.each([
      ['several audiences without azp', verified({ aud: ['a', 'b'] }), 'names no single client'],
      ['no audience', verified({}), 'names no single client'],
      ['another issuer', verified({ aud: 'web-app', iss: 'https://x.example' }), 'not issued'],
      ['no subject', verified({ aud: 'web-app', sub: '' }), 'not valid'],
      ['an access token', verified({ aud: 'web-app' }, 'application/at+jwt'), 'not an id_token'],
      [
        'a payload that is not JSON',
        { payload: new TextEncoder().encode('{'), protectedHeader: {} },
        'not valid',
      ],
    ])('refuses %s', (_what, hint, message) => {
      expect(() => checkLogoutHintClaims(hint, ISSUER)).toThrow(InvalidRequest);
      expect(() => checkLogoutHintClaims(hint, ISSUER)).toThrow(message);
    });
  });

  it('client_id must be the hint client when both are sent', () => {
    const hint = { sub: 'alice', client_id: 'web-app' };
    expect(checkClientIdMatchesHint(undefined, hint)).toBe('web-app');
    expect(checkClientIdMatchesHint('web-app', hint)).toBe('web-app');
    expect(checkClientIdMatchesHint('other', undefined)).toBe('other');
    expect(checkClientIdMatchesHint(undefined, undefined)).toBeUndefined();
    expect(() => checkClientIdMatchesHint('other', hint)).toThrow(InvalidRequest);
  });

  describe('checkPostLogoutRedirectUri', () => {
    const client = webClient({ post_logout_redirect_uris: ['https://app.example.test/bye?x=1'] });

    it('is optional, and exact when sent', () => {
      expect(checkPostLogoutRedirectUri(undefined, undefined, undefined)).toBeUndefined();
      expect(
        checkPostLogoutRedirectUri('https://app.example.test/bye?x=1', 'web-app', client),
      ).toBe('https://app.example.test/bye?x=1');
    });

    it.each([
      ['HTTPS://app.example.test/bye?x=1'],
      ['https://app.example.test/bye'],
      ['https://app.example.test/bye?x=1&y=2'],
      ['https://app.example.test/callback'],
    ])('refuses %s', (uri) => {
      expect(() => checkPostLogoutRedirectUri(uri, 'web-app', client)).toThrow(
        "not one of the client's registered post_logout_redirect_uris",
      );
    });

    it('needs a known, active client', () => {
      const uri = 'https://app.example.test/bye?x=1';
      expect(() => checkPostLogoutRedirectUri(uri, undefined, undefined)).toThrow(
        'needs id_token_hint or client_id',
      );
      expect(() => checkPostLogoutRedirectUri(uri, 'web-app', null)).toThrow('not registered');
      expect(() =>
        checkPostLogoutRedirectUri(uri, 'web-app', { ...client, disabled: true }),
      ).toThrow('not registered');
    });
  });

  it('a hint names the session only with the same sub and sid', () => {
    const session: SsoSession = {
      sid: 's1',
      sub: 'alice',
      auth_time: 0,
      amr: ['pwd'],
      created_at: 0,
      last_active: 0,
    };
    expect(hintMatchesSession({ sub: 'alice', sid: 's1', client_id: 'c' }, session)).toBe(true);
    expect(hintMatchesSession({ sub: 'alice', sid: 's2', client_id: 'c' }, session)).toBe(false);
    expect(hintMatchesSession({ sub: 'bob', sid: 's1', client_id: 'c' }, session)).toBe(false);
    expect(hintMatchesSession({ sub: 'alice', client_id: 'c' }, session)).toBe(false);
  });

  it('adds state to the registered query, leaving the URI as registered', () => {
    expect(postLogoutRedirect('https://app.example.test/bye?x=1', 'a&b')).toBe(
      'https://app.example.test/bye?x=1&state=a%26b',
    );
    expect(postLogoutRedirect('https://APP.example.test/bye', undefined)).toBe(
      'https://APP.example.test/bye',
    );
  });
});
