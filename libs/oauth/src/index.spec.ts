import * as oauth from './index';

describe('@latchkey/oauth public API', () => {
  it.each([
    'computeS256Challenge',
    'verifyPkce',
    'checkPkceAuthorizationParams',
    'isValidCodeVerifier',
    'isValidCodeChallenge',
    'validateRedirectUriForRegistration',
    'matchRedirectUri',
    'resolveRedirectUri',
    'verifyRedirectUriForCode',
    'parseScope',
    'formatScope',
    'checkScopesAllowed',
    'narrowScope',
    'parseBasicAuthorization',
    'detectClientAuthentication',
    'constantTimeEqual',
    'sha256Base64Url',
    'randomToken',
    'validateClientMetadata',
    'readSingleParams',
    'computeTokenHash',
    'OAuthError',
    'InvalidRequest',
    'isBackendUnavailable',
    'toOAuthError',
    'accessTokenVerifyOptions',
    'checkNoAdminScopeInUserFlow',
    'mayHoldAdminScope',
    'isPlausibleClientId',
    'requiresPkce',
    'tokenAudience',
    'accessTokenAudience',
  ])('exports %s', (name) => {
    expect(typeof (oauth as Record<string, unknown>)[name]).toBe('function');
  });

  it('does not export the spec helpers', () => {
    expect(oauth).not.toHaveProperty('expectOAuthError');
  });
});
