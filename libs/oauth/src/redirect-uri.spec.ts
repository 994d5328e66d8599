import { expectOAuthError } from '@latchkey/testing';
import { InvalidGrant, InvalidRedirectUri, InvalidRequest } from './errors/oauth-error';
import {
  loopbackRedirectUriMatches,
  matchRedirectUri,
  MAX_URI_LENGTH,
  redirectUriProblem,
  redirectUriRulesFor,
  resolveRedirectUri,
  validateRedirectUriForRegistration,
  verifyRedirectUriForCode,
} from './redirect-uri';

describe('validateRedirectUriForRegistration', () => {
  describe('accepts', () => {
    it.each([
      'https://app.example.com/callback',
      'https://app.example.com',
      'https://app.example.com/',
      'https://app.example.com:8443/cb',
      'https://app.example.com/cb?tenant=a&x=1',
      'https://app.example.com/cb%20space',
      'https://127.0.0.1/cb',
      'https://[2001:db8::1]/cb',
      'http://127.0.0.1/cb',
      'http://127.0.0.1:8080/cb',
      'http://127.0.0.1',
      'http://[::1]/cb',
      'http://[::1]:5000/cb?x=1',
      'http://localhost/cb',
      'http://localhost:3000/callback',
    ])('%s for web and native apps', (uri) => {
      expect(validateRedirectUriForRegistration(uri)).toBe(uri);
      expect(validateRedirectUriForRegistration(uri, { applicationType: 'web' })).toBe(uri);
      expect(validateRedirectUriForRegistration(uri, { applicationType: 'native' })).toBe(uri);
    });

    it.each([
      'com.example.app:/oauth2redirect',
      'com.example.app:/',
      'com.example.app://callback',
      'com.example.app:callback',
      'io.github.some-user.app:/cb?x=1',
      'com.example.app+debug:/cb',
    ])('the private-use scheme %s for native apps', (uri) => {
      expect(validateRedirectUriForRegistration(uri, { applicationType: 'native' })).toBe(uri);
    });

    it('returns the URI verbatim, without normalising it', () => {
      const uri = 'https://App.Example.com:443/CB';
      expect(validateRedirectUriForRegistration(uri)).toBe(uri);
    });
  });

  describe('rejects', () => {
    it.each<[string, unknown, RegExp]>([
      ['an empty string', '', /non-empty string/],
      ['a non-string', 42, /non-empty string/],
      ['null', null, /non-empty string/],
      ['a relative path', '/callback', /absolute URI/],
      ['a scheme-relative URI', '//app.example.com/cb', /absolute URI/],
      ['a bare host', 'app.example.com/cb', /absolute URI/],
      ['a fragment', 'https://app.example.com/cb#frag', /fragment/],
      ['an empty fragment', 'https://app.example.com/cb#', /fragment/],
      ['a space', 'https://app.example.com/c b', /URI characters/],
      ['leading whitespace', ' https://app.example.com/cb', /URI characters/],
      ['a trailing newline', 'https://app.example.com/cb\n', /URI characters/],
      ['a tab inside', 'https://app.exa\tmple.com/cb', /URI characters/],
      ['a backslash', 'https://app.example.com\\@evil.example/cb', /URI characters/],
      ['a double quote', 'https://app.example.com/"', /URI characters/],
      ['non-ASCII', 'https://äpp.example.com/cb', /URI characters/],
      ['a broken percent-encoding', 'https://app.example.com/%zz', /percent-encoding/],
      ['a truncated percent-encoding', 'https://app.example.com/%2', /percent-encoding/],
      ['userinfo', 'https://good.example.com@evil.example.com/cb', /userinfo/],
      ['user and password', 'https://user:pass@app.example.com/cb', /userinfo/],
      ['an empty userinfo', 'https://@app.example.com/cb', /userinfo/],
      ['a missing host', 'https:///cb', /valid host/],
      ['no slashes after https:', 'https:app.example.com/cb', /scheme:\/\/host/],
      ['a single slash after https:', 'https:/app.example.com/cb', /scheme:\/\/host/],
      ['port 0', 'https://app.example.com:0/cb', /port between 1 and 65535/],
      ['port 65536', 'https://app.example.com:65536/cb', /not a valid URI/],
      ['an empty port', 'https://app.example.com:/cb', /port between 1 and 65535/],
      ['a port with a leading zero', 'https://app.example.com:0443/cb', /port between/],
      ['a non-numeric port', 'https://app.example.com:abc/cb', /not a valid URI/],
      ['a .. segment', 'https://app.example.com/cb/../admin', /path segments/],
      ['a . segment', 'https://app.example.com/./cb', /path segments/],
      ['an encoded .. segment', 'https://app.example.com/%2E%2e/cb', /path segments/],
      ['an upper-case scheme', 'HTTPS://app.example.com/cb', /lower-case scheme/],
      ['a mixed-case loopback scheme', 'Http://127.0.0.1/cb', /lower-case scheme/],
      ['a mixed-case private-use scheme', 'Com.Example.App:/cb', /lower-case scheme/],
      ['an overlong URI', `https://app.example.com/${'a'.repeat(MAX_URI_LENGTH)}`, /at most/],
    ])('%s', (_label, uri, pattern) => {
      expectOAuthError(
        () => validateRedirectUriForRegistration(uri as string, { applicationType: 'native' }),
        InvalidRedirectUri,
        'invalid_redirect_uri',
        pattern,
      );
    });

    it.each([
      'http://app.example.com/cb',
      'http://127.0.0.1.evil.example/cb',
      'http://localhost.evil.example/cb',
      'http://127.1/cb',
      'http://2130706433/cb',
      'http://0x7f000001/cb',
      'http://127.0.0.2/cb',
      'http://0.0.0.0/cb',
      'http://LOCALHOST/cb',
      'http://[::ffff:127.0.0.1]/cb',
      'http://[0:0:0:0:0:0:0:1]/cb',
      'http://10.0.0.1/cb',
    ])('plain http to the non-loopback (or non-literal) host %s', (uri) => {
      for (const applicationType of ['web', 'native'] as const) {
        expectOAuthError(
          () => validateRedirectUriForRegistration(uri, { applicationType }),
          InvalidRedirectUri,
          'invalid_redirect_uri',
          /plain http is only allowed for 127\.0\.0\.1, \[::1\] and localhost/,
        );
      }
    });

    it('http to localhost with userinfo pointing elsewhere', () => {
      expectOAuthError(
        () => validateRedirectUriForRegistration('http://localhost@evil.example/cb'),
        InvalidRedirectUri,
        'invalid_redirect_uri',
        /userinfo/,
      );
    });

    it.each([
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      'data:text/html,hi',
      'file:///etc/passwd',
      'vbscript:msgbox',
      'blob:https://app.example.com/uuid',
      'about:blank',
      'ftp://files.example.com/cb',
      'wss://app.example.com/cb',
    ])('the dangerous scheme of %s, even for native apps', (uri) => {
      expectOAuthError(
        () => validateRedirectUriForRegistration(uri, { applicationType: 'native' }),
        InvalidRedirectUri,
        'invalid_redirect_uri',
        /must not use the [a-z-]+ scheme/,
      );
    });

    it.each([
      'myapp:/cb',
      'exampleapp://callback',
      'com.:/cb',
      'com..example:/cb',
      'com.example.:/cb',
    ])('the private-use scheme %s that is not a reverse domain name', (uri) => {
      expectOAuthError(
        () => validateRedirectUriForRegistration(uri, { applicationType: 'native' }),
        InvalidRedirectUri,
        'invalid_redirect_uri',
        /reverse domain name/,
      );
    });

    it('a private-use scheme without a path', () => {
      expectOAuthError(
        () => validateRedirectUriForRegistration('com.example.app:', { applicationType: 'native' }),
        InvalidRedirectUri,
        'invalid_redirect_uri',
        /path after the scheme/,
      );
    });

    it('a private-use scheme with userinfo', () => {
      expectOAuthError(
        () =>
          validateRedirectUriForRegistration('com.example.app://user@host/cb', {
            applicationType: 'native',
          }),
        InvalidRedirectUri,
        'invalid_redirect_uri',
        /userinfo/,
      );
    });

    it.each([undefined, 'web'] as const)(
      'private-use schemes for application type %p',
      (applicationType) => {
        expectOAuthError(
          () => validateRedirectUriForRegistration('com.example.app:/cb', { applicationType }),
          InvalidRedirectUri,
          'invalid_redirect_uri',
          /only allowed for native applications/,
        );
      },
    );
  });
});

describe('redirectUriProblem', () => {
  it('can forbid loopback http altogether', () => {
    const rules = { allowLoopbackHttp: false, allowPrivateUseScheme: false };
    expect(redirectUriProblem('http://127.0.0.1/cb', rules)).toBe('must use https');
    expect(redirectUriProblem('https://app.example.com/cb', rules)).toBeUndefined();
  });

  it('explains the native exception only when the rules ask for it', () => {
    const plain = { allowLoopbackHttp: true, allowPrivateUseScheme: false };
    expect(redirectUriProblem('com.example.app:/cb', plain)).toBe('must use https');
    expect(redirectUriProblem('com.example.app:/cb', redirectUriRulesFor('web'))).toMatch(
      /only allowed for native applications/,
    );
    expect(
      redirectUriProblem('com.example.app:/cb', redirectUriRulesFor('native')),
    ).toBeUndefined();
  });

  it('describes problems without echoing the URI', () => {
    const problem = redirectUriProblem('http://evil.example/x', redirectUriRulesFor('web'));
    expect(problem).not.toContain('evil');
  });
});

describe('matchRedirectUri', () => {
  const registered = [
    'https://app.example.com/cb',
    'https://app.example.com/cb?tenant=a&x=1',
    'http://127.0.0.1/native',
    'http://[::1]:4000/native?x=1',
    'http://localhost:3000/cb',
  ];

  it.each([
    'https://app.example.com/cb',
    'https://app.example.com/cb?tenant=a&x=1',
    'http://localhost:3000/cb',
  ])('matches %s exactly', (uri) => {
    expect(matchRedirectUri(uri, registered)).toBe(true);
  });

  it.each([
    'http://127.0.0.1/native',
    'http://127.0.0.1:1/native',
    'http://127.0.0.1:49152/native',
    'http://127.0.0.1:65535/native',
    'http://[::1]/native?x=1',
    'http://[::1]:4000/native?x=1',
    'http://[::1]:51234/native?x=1',
  ])('lets the port of loopback IP literal %s vary (RFC 8252 §7.3)', (uri) => {
    expect(matchRedirectUri(uri, registered)).toBe(true);
  });

  it.each([
    ['a trailing slash added', 'https://app.example.com/cb/'],
    ['a trailing slash removed', 'https://app.example.com'],
    ['an upper-case host', 'https://APP.example.com/cb'],
    ['an upper-case scheme', 'HTTPS://app.example.com/cb'],
    ['an upper-case path', 'https://app.example.com/CB'],
    ['the explicit default port', 'https://app.example.com:443/cb'],
    ['another https port', 'https://app.example.com:8443/cb'],
    ['http instead of https', 'http://app.example.com/cb'],
    ['userinfo in front of the registered host', 'https://app.example.com@evil.example/cb'],
    ['the registered host as userinfo', 'https://app.example.com/cb@evil.example'],
    ['an encoded path character', 'https://app.example.com/%63b'],
    ['an encoded slash', 'https://app.example.com%2Fcb'],
    ['reordered query', 'https://app.example.com/cb?x=1&tenant=a'],
    ['an extra query parameter', 'https://app.example.com/cb?tenant=a&x=1&y=2'],
    ['an added query', 'https://app.example.com/cb?x=1'],
    ['an added fragment', 'https://app.example.com/cb#x'],
    ['an empty query', 'https://app.example.com/cb?'],
    ['a suffixed host', 'https://app.example.com.evil.example/cb'],
    ['a path traversal', 'https://app.example.com/cb/../cb'],
    ['a prefix of a registered URI', 'https://app.example.com/c'],
    ['an extension of a registered URI', 'https://app.example.com/cb2'],
    ['surrounding whitespace', ' https://app.example.com/cb '],
    ['localhost on another port (no relaxation)', 'http://localhost:3001/cb'],
    ['localhost without its port', 'http://localhost/cb'],
    ['127.0.0.1 with a different path', 'http://127.0.0.1:5000/native/'],
    ['127.0.0.1 with an added query', 'http://127.0.0.1:5000/native?x=1'],
    ['127.0.0.1 with port 0', 'http://127.0.0.1:0/native'],
    ['127.0.0.1 with an empty port', 'http://127.0.0.1:/native'],
    ['127.0.0.1 with port 65536', 'http://127.0.0.1:65536/native'],
    ['127.0.0.1 with a leading-zero port', 'http://127.0.0.1:08080/native'],
    ['127.0.0.1 with a non-numeric port', 'http://127.0.0.1:http/native'],
    ['127.0.0.1 as a subdomain', 'http://127.0.0.1.evil.example/native'],
    ['127.0.0.1 as userinfo', 'http://127.0.0.1:80@evil.example/native'],
    ['127.0.0.1 over https', 'https://127.0.0.1:5000/native'],
    ['127.0.0.1 in upper-case scheme', 'HTTP://127.0.0.1:5000/native'],
    ['localhost for a 127.0.0.1 registration', 'http://localhost:5000/native'],
    ['[::1] for a 127.0.0.1 registration', 'http://[::1]:5000/native'],
    ['127.0.0.1 for a [::1] registration', 'http://127.0.0.1:4000/native?x=1'],
    ['an alternative 127.0.0.1 spelling', 'http://127.1:5000/native'],
    ['[::1] without its query', 'http://[::1]:4000/native'],
    ['an empty string', ''],
  ])('rejects %s', (_label, uri) => {
    expect(matchRedirectUri(uri, registered)).toBe(false);
  });

  it('matches nothing against an empty registration', () => {
    expect(matchRedirectUri('https://app.example.com/cb', [])).toBe(false);
  });

  it('is false for a non-string at runtime', () => {
    expect(matchRedirectUri(undefined as unknown as string, registered)).toBe(false);
  });
});

describe('loopbackRedirectUriMatches', () => {
  it('needs both URIs to be loopback IP literals on the same host', () => {
    expect(loopbackRedirectUriMatches('http://127.0.0.1:1234/', 'http://127.0.0.1/')).toBe(true);
    expect(loopbackRedirectUriMatches('http://127.0.0.1:1234', 'http://127.0.0.1:99')).toBe(true);
    expect(loopbackRedirectUriMatches('http://127.0.0.1:1234/', 'http://127.0.0.1')).toBe(false);
    expect(loopbackRedirectUriMatches('http://localhost:1/', 'http://localhost:2/')).toBe(false);
    expect(loopbackRedirectUriMatches('http://127.0.0.1:1/', 'https://127.0.0.1/')).toBe(false);
  });

  it('does not relax a registered URI with an invalid port', () => {
    expect(loopbackRedirectUriMatches('http://127.0.0.1:80/', 'http://127.0.0.1:0/')).toBe(false);
  });
});

describe('resolveRedirectUri', () => {
  it('returns the only registered URI when the parameter is omitted', () => {
    expect(resolveRedirectUri(undefined, ['https://app.example.com/cb'])).toBe(
      'https://app.example.com/cb',
    );
    expect(resolveRedirectUri('', ['https://app.example.com/cb'])).toBe(
      'https://app.example.com/cb',
    );
  });

  it('returns the requested URI, including its loopback port', () => {
    expect(resolveRedirectUri('http://127.0.0.1:50123/cb', ['http://127.0.0.1/cb'])).toBe(
      'http://127.0.0.1:50123/cb',
    );
    expect(
      resolveRedirectUri('https://b.example/cb', ['https://a.example/cb', 'https://b.example/cb']),
    ).toBe('https://b.example/cb');
  });

  it('requires the parameter when several URIs are registered', () => {
    expectOAuthError(
      () => resolveRedirectUri(undefined, ['https://a.example/cb', 'https://b.example/cb']),
      InvalidRequest,
      'invalid_request',
      /several registered/,
    );
  });

  it('requires the parameter when no URI is registered', () => {
    expectOAuthError(
      () => resolveRedirectUri(undefined, []),
      InvalidRequest,
      'invalid_request',
      /no registered redirect URIs/,
    );
  });

  it('rejects a URI that is not registered, without echoing it', () => {
    const error = expectOAuthError(
      () => resolveRedirectUri('https://evil.example/cb', ['https://app.example.com/cb']),
      InvalidRedirectUri,
      'invalid_redirect_uri',
      /does not match/,
    );
    expect(error.description).not.toContain('evil');
  });

  it('rejects a URI when none is registered', () => {
    expectOAuthError(
      () => resolveRedirectUri('https://app.example.com/cb', []),
      InvalidRedirectUri,
      'invalid_redirect_uri',
    );
  });

  it('does not fall back to the single registered URI when another one is requested', () => {
    expectOAuthError(
      () => resolveRedirectUri('https://app.example.com/cb/', ['https://app.example.com/cb']),
      InvalidRedirectUri,
      'invalid_redirect_uri',
    );
  });
});

describe('verifyRedirectUriForCode', () => {
  const bound = { redirectUri: 'http://127.0.0.1:50123/cb', explicit: true };

  it('accepts the identical URI', () => {
    expect(() => verifyRedirectUriForCode('http://127.0.0.1:50123/cb', bound)).not.toThrow();
  });

  it('accepts an omitted URI when the authorization request omitted it too', () => {
    expect(() =>
      verifyRedirectUriForCode(undefined, { redirectUri: 'https://a.example/cb', explicit: false }),
    ).not.toThrow();
    expect(() =>
      verifyRedirectUriForCode('', { redirectUri: 'https://a.example/cb', explicit: false }),
    ).not.toThrow();
  });

  it.each([undefined, ''])('requires the URI (%p) when the authorization request had it', (uri) => {
    expectOAuthError(
      () => verifyRedirectUriForCode(uri, bound),
      InvalidRequest,
      'invalid_request',
      /redirect_uri is required/,
    );
  });

  it.each([
    'http://127.0.0.1:50124/cb',
    'http://127.0.0.1/cb',
    'http://127.0.0.1:50123/cb/',
    'http://[::1]:50123/cb',
  ])('rejects %s, even where the authorization endpoint would relax the port', (uri) => {
    expectOAuthError(
      () => verifyRedirectUriForCode(uri, bound),
      InvalidGrant,
      'invalid_grant',
      /does not match/,
    );
  });

  it('rejects a different URI when the authorization request omitted it', () => {
    expectOAuthError(
      () =>
        verifyRedirectUriForCode('https://b.example/cb', {
          redirectUri: 'https://a.example/cb',
          explicit: false,
        }),
      InvalidGrant,
      'invalid_grant',
    );
  });
});
