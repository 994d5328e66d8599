import { InvalidRequest } from '@latchkey/oauth';
import { checkCsrfToken, checkSameOrigin } from './csrf';

const ISSUER = 'https://id.example.test';

describe('checkCsrfToken', () => {
  it('accepts the interaction token only', () => {
    expect(() => checkCsrfToken('token-1', 'token-1')).not.toThrow();
    expect(() => checkCsrfToken('token-2', 'token-1')).toThrow(InvalidRequest);
    expect(() => checkCsrfToken(undefined, 'token-1')).toThrow(InvalidRequest);
    expect(() => checkCsrfToken('', 'token-1')).toThrow(InvalidRequest);
  });
});

describe('checkSameOrigin', () => {
  it.each([
    ['no Origin or Referer', {}],
    ['the issuer origin', { origin: ISSUER }],
    ['Origin: null (no-referrer pages)', { origin: 'null' }],
    ['a Referer on the issuer', { referer: `${ISSUER}/login?interaction=x` }],
  ])('accepts %s', (_what, headers) => {
    expect(() => checkSameOrigin(headers, `${ISSUER}/base`)).not.toThrow();
  });

  it.each([
    ['another Origin', { origin: 'https://evil.example' }],
    ['another scheme', { origin: 'http://id.example.test' }],
    ['another port', { origin: 'https://id.example.test:8443' }],
    ['a Referer elsewhere', { referer: 'https://evil.example/page' }],
    ['a malformed Referer', { referer: 'not a url' }],
    ['another Origin despite a good Referer', { origin: 'https://evil.example', referer: ISSUER }],
  ])('refuses %s', (_what, headers) => {
    expect(() => checkSameOrigin(headers, ISSUER)).toThrow('the form was posted from another site');
  });
});
