import { isBackendUnavailable, toOAuthError } from './backend-unavailable';
import { InvalidGrant, TemporarilyUnavailable } from './oauth-error';

const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isBackendUnavailable', () => {
  it.each(['DATABASE_UNAVAILABLE', 'KV_UNAVAILABLE', 'BUS_UNAVAILABLE'])(
    'recognises the code %s',
    (code) => {
      expect(isBackendUnavailable(coded(code))).toBe(true);
    },
  );

  it('looks through the causes of a wrapper', () => {
    const inner = coded('KV_UNAVAILABLE');
    expect(isBackendUnavailable(new Error('outer', { cause: inner }))).toBe(true);
    expect(isBackendUnavailable(new Error('a', { cause: new Error('b', { cause: inner }) }))).toBe(
      true,
    );
  });

  it('branches on the code only, never on what a message says', () => {
    expect(isBackendUnavailable(new Error('database unavailable'))).toBe(false);
    expect(isBackendUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(false);
    expect(isBackendUnavailable(coded('SOMETHING_ELSE', 'KV_UNAVAILABLE'))).toBe(false);
  });

  it('is false for driver codes the I/O libraries have not classified, and for non-errors', () => {
    expect(isBackendUnavailable(coded('ECONNREFUSED'))).toBe(false);
    expect(isBackendUnavailable(coded('23505'))).toBe(false);
    expect(isBackendUnavailable(undefined)).toBe(false);
    expect(isBackendUnavailable('KV_UNAVAILABLE')).toBe(false);
    expect(isBackendUnavailable({ code: 42 })).toBe(false);
  });

  it('stops on a cycle of causes', () => {
    const a: { code: string; cause?: unknown } = { code: 'x' };
    a.cause = a;
    expect(isBackendUnavailable(a)).toBe(false);
  });
});

describe('toOAuthError', () => {
  it('answers a backend outage with 503 temporarily_unavailable and nothing of its detail', () => {
    const error = toOAuthError(coded('DATABASE_UNAVAILABLE', 'connect ECONNREFUSED 10.0.0.5:5432'));
    expect(error).toBeInstanceOf(TemporarilyUnavailable);
    expect(error?.status).toBe(503);
    expect(error?.description).not.toMatch(/10\.0\.0\.5|ECONNREFUSED/);
  });

  it('keeps an OAuthError, and rebuilds one that crossed the bus as data', () => {
    const grant = new InvalidGrant('expired');
    expect(toOAuthError(grant)).toBe(grant);
    const rebuilt = toOAuthError(grant.serialize());
    expect(rebuilt).toBeInstanceOf(InvalidGrant);
    expect(rebuilt?.description).toBe('expired');
  });

  it('leaves anything else to the caller (a generic server_error)', () => {
    expect(toOAuthError(new TypeError('bug'))).toBeUndefined();
    expect(toOAuthError(coded('ECONNRESET'))).toBeUndefined();
    expect(toOAuthError({ kind: 'oauth_error' })).toBeUndefined();
  });
});
