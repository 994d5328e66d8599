import type { IssueCodeRequest } from '@latchkey/contracts';
import {
  ADMIN_SCOPE,
  checkNoAdminScopeInUserFlow,
  InvalidRequest,
  InvalidScope,
  MAX_CLIENT_ID_LENGTH,
  InvalidTarget,
  type OAuthError,
  UnauthorizedClient,
} from '@latchkey/oauth';
import type { TokenClient } from '../clients/client-record';
import { clientRecord } from '../fixtures/registry.fixture';
import {
  codeRequest,
  pkcePair,
  REDIRECT_URI,
  SPA_REDIRECT_URI,
  spaClient,
  webClient,
} from '../fixtures/user-flow.fixture';
import {
  checkCodeRequestFitsClient,
  checkPublicClientUsesPkce,
  isPlausibleCode,
  parseCodeBinding,
  readIssueCodeRequest,
} from './authorization-code';

type ErrorClass = new (description?: string) => OAuthError;

function expectThrows(fn: () => unknown, errorClass: ErrorClass, pattern?: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(errorClass);
  if (pattern) expect((thrown as OAuthError).description).toMatch(pattern);
}

describe('readIssueCodeRequest', () => {
  it('keeps every binding of a complete request', () => {
    const pkce = pkcePair();
    const request = codeRequest({ resource: 'https://orders.example.test' }, pkce);
    expect(readIssueCodeRequest(request)).toEqual(request);
  });

  it('normalises the scope (runs of spaces, duplicates) and allows an empty one', () => {
    expect(readIssueCodeRequest(codeRequest({ scope: ' openid  openid profile ' })).scope).toBe(
      'openid profile',
    );
    expect(readIssueCodeRequest(codeRequest({ scope: '' })).scope).toBe('');
  });

  it('drops optional fields sent empty', () => {
    const read = readIssueCodeRequest({
      ...codeRequest(),
      nonce: '',
      acr: null,
      amr: [],
      resource: '',
      code_challenge: '',
    });
    for (const field of ['nonce', 'acr', 'amr', 'resource', 'code_challenge']) {
      expect(read).not.toHaveProperty(field);
    }
  });

  it('keeps redirect_uri_explicit only when false (absent means true)', () => {
    expect(readIssueCodeRequest({ ...codeRequest(), redirect_uri_explicit: false })).toMatchObject({
      redirect_uri_explicit: false,
    });
    expect(
      readIssueCodeRequest({ ...codeRequest(), redirect_uri_explicit: true }),
    ).not.toHaveProperty('redirect_uri_explicit');
    expectThrows(
      () => readIssueCodeRequest({ ...codeRequest(), redirect_uri_explicit: 'no' }),
      InvalidRequest,
      /redirect_uri_explicit must be a boolean/,
    );
  });

  it('ignores fields it does not know', () => {
    expect(readIssueCodeRequest({ ...codeRequest(), extra: 'x' })).not.toHaveProperty('extra');
  });

  it.each([null, undefined, 'code', ['a'], 42])('refuses %j as a request', (raw) =>
    expectThrows(() => readIssueCodeRequest(raw), InvalidRequest, /must be an object/),
  );

  it.each<[string, Record<string, unknown>, ErrorClass, RegExp]>([
    ['client_id missing', { client_id: undefined }, InvalidRequest, /client_id/],
    ['client_id too long', { client_id: 'c'.repeat(257) }, InvalidRequest, /client_id/],
    ['redirect_uri missing', { redirect_uri: '' }, InvalidRequest, /redirect_uri/],
    ['redirect_uri not a string', { redirect_uri: 1 }, InvalidRequest, /redirect_uri/],
    ['scope missing', { scope: undefined }, InvalidRequest, /scope/],
    ['scope malformed', { scope: 'openid "x"' }, InvalidScope, /scope may only contain/],
    ['sub missing', { sub: '' }, InvalidRequest, /sub/],
    ['sub too long', { sub: 's'.repeat(256) }, InvalidRequest, /sub/],
    ['sid missing', { sid: undefined }, InvalidRequest, /sid/],
    ['auth_time a string', { auth_time: '1700000000' }, InvalidRequest, /auth_time/],
    ['auth_time negative', { auth_time: -1 }, InvalidRequest, /auth_time/],
    ['auth_time fractional', { auth_time: 1.5 }, InvalidRequest, /auth_time/],
    ['nonce not a string', { nonce: 42 }, InvalidRequest, /nonce/],
    ['amr not a list', { amr: 'pwd' }, InvalidRequest, /amr/],
    ['amr with an empty value', { amr: ['pwd', ''] }, InvalidRequest, /amr/],
    ['acr not a string', { acr: ['x'] }, InvalidRequest, /acr/],
    ['resource relative', { resource: '/orders' }, InvalidTarget, /absolute URI/],
    ['resource with fragment', { resource: 'https://a.example/#x' }, InvalidTarget, /fragment/],
    [
      'a challenge without method',
      { code_challenge: pkcePair().challenge },
      InvalidRequest,
      /code_challenge_method is required/,
    ],
    [
      'the plain method',
      { code_challenge: pkcePair().challenge, code_challenge_method: 'plain' },
      InvalidRequest,
      /only S256/,
    ],
    [
      'a malformed challenge',
      { code_challenge: 'short', code_challenge_method: 'S256' },
      InvalidRequest,
      /43 to 128/,
    ],
    [
      'a method without challenge',
      { code_challenge_method: 'S256' },
      InvalidRequest,
      /without code_challenge/,
    ],
  ])('refuses %s', (_label, overrides, errorClass, pattern) =>
    expectThrows(
      () => readIssueCodeRequest({ ...codeRequest(), ...overrides }),
      errorClass,
      pattern,
    ),
  );

  it('reads an own property only (no prototype lookups)', () => {
    const request = Object.create({ sub: 'inherited' }) as Record<string, unknown>;
    Object.assign(request, { ...codeRequest(), sub: undefined });
    delete request.sub;
    expectThrows(() => readIssueCodeRequest(request), InvalidRequest, /sub/);
  });
});

describe('checkCodeRequestFitsClient', () => {
  const fits =
    (request: Partial<IssueCodeRequest>, client: TokenClient | null = webClient()) =>
    () =>
      checkCodeRequestFitsClient(readIssueCodeRequest({ ...codeRequest(), ...request }), client);

  it('accepts a request the client is registered for', () => {
    expect(fits({})).not.toThrow();
    expect(fits({ scope: 'openid email orders:read offline_access' })).not.toThrow();
  });

  it('refuses an unknown or disabled client', () => {
    expectThrows(fits({}, null), InvalidRequest, /known, enabled client/);
    expectThrows(fits({}, webClient({ disabled: true })), InvalidRequest, /known, enabled/);
  });

  it('refuses a client not registered for authorization_code', () =>
    expectThrows(
      fits({}, clientRecord({ redirect_uris: [REDIRECT_URI] })),
      UnauthorizedClient,
      /authorization_code/,
    ));

  it('refuses a redirect_uri the client has not registered (exact match)', () => {
    expectThrows(fits({ redirect_uri: `${REDIRECT_URI}/` }), InvalidRequest, /redirect_uri/);
    expectThrows(fits({ redirect_uri: REDIRECT_URI.toUpperCase() }), InvalidRequest);
  });

  it('accepts another loopback port for a registered loopback redirect_uri (RFC 8252)', () => {
    const pkce = pkcePair();
    expect(
      fits(
        {
          client_id: 'spa',
          redirect_uri: 'http://127.0.0.1:61000/cb',
          code_challenge: pkce.challenge,
          code_challenge_method: 'S256',
        },
        spaClient({ redirect_uris: [SPA_REDIRECT_URI] }),
      ),
    ).not.toThrow();
  });

  it('refuses a scope the client is not registered for', () =>
    expectThrows(
      fits({ scope: 'openid phone' }),
      InvalidScope,
      /^scope not allowed for this client$/,
    ));

  // The one rule of libs/oauth, as the gateway's /authorize applies it (authorize-rules.spec.ts):
  // the same error, word for word.
  it('refuses the platform ADMIN_SCOPE even to a client registered for it', () => {
    const adminRequest = fits(
      { scope: `openid ${ADMIN_SCOPE}` },
      webClient({ scope: `openid ${ADMIN_SCOPE}` }),
    );
    const refusal = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        const { status, error, description } = err as OAuthError;
        return { status, error, description };
      }
      return undefined;
    };
    expectThrows(adminRequest, InvalidScope);
    expect(refusal(adminRequest)).toEqual(
      refusal(() => checkNoAdminScopeInUserFlow(new Set([ADMIN_SCOPE]))),
    );
  });

  it('bounds client_id at the platform MAX_CLIENT_ID_LENGTH', () => {
    const longest = 'c'.repeat(MAX_CLIENT_ID_LENGTH);
    expect(readIssueCodeRequest({ ...codeRequest(), client_id: longest }).client_id).toBe(longest);
    expectThrows(
      () => readIssueCodeRequest({ ...codeRequest(), client_id: `${longest}c` }),
      InvalidRequest,
    );
  });

  it('refuses any scope to a client registered for none', () =>
    expectThrows(fits({ scope: 'openid' }, webClient({ scope: undefined })), InvalidScope));

  it('requires PKCE from a public client only', () => {
    expectThrows(
      () => checkPublicClientUsesPkce(spaClient(), undefined),
      InvalidRequest,
      /public client must use PKCE/,
    );
    expect(() => checkPublicClientUsesPkce(spaClient(), pkcePair().challenge)).not.toThrow();
    expect(() => checkPublicClientUsesPkce(webClient(), undefined)).not.toThrow();
  });
});

describe('parseCodeBinding', () => {
  it('reads back what was stored', () => {
    const binding = { ...codeRequest(), expires_at: 1 };
    expect(parseCodeBinding(JSON.stringify(binding))).toEqual(binding);
  });

  it.each([
    '',
    'not json',
    'null',
    '[]',
    '{}',
    JSON.stringify({ ...codeRequest(), expires_at: '1' }),
  ])('answers null for %j', (json) => expect(parseCodeBinding(json)).toBeNull());
});

describe('isPlausibleCode', () => {
  it('accepts our 43-character codes and refuses empty or huge values', () => {
    expect(isPlausibleCode('a'.repeat(43))).toBe(true);
    expect(isPlausibleCode('')).toBe(false);
    expect(isPlausibleCode('a'.repeat(257))).toBe(false);
  });
});
