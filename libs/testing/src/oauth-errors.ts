import type { OAuthError, OAuthErrorJson } from '@latchkey/oauth';

/** RFC 6749 §5.2: error_description may only hold %x20-21 / %x23-5B / %x5D-7E. */
export const ERROR_DESCRIPTION_CHARSET = /^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/;

export type OAuthErrorClass = new (...args: never[]) => OAuthError;

/** What an error must show besides its class: a description pattern and/or an explicit status. */
export interface ExpectedOAuthError {
  error: string;
  /** Defaults to the status of the class constructed with no arguments. */
  status?: number;
  description?: RegExp;
}

/** The RFC code, or the code with the rest of what is expected. */
type Expected = string | ExpectedOAuthError;

/**
 * Asserts that `thrown` is exactly `errorClass` (not a subclass, nor a plain Error with the same
 * code: across the bus BusClient must have rebuilt it), with the RFC error code, the HTTP status
 * (the class's own unless given), a description in the RFC 6749 charset and, when given, one
 * matching the pattern.
 */
export function checkOAuthError(
  thrown: unknown,
  errorClass: OAuthErrorClass,
  expected: Expected,
  pattern?: RegExp,
): OAuthError {
  const spec: ExpectedOAuthError = typeof expected === 'string' ? { error: expected } : expected;
  const description = spec.description ?? pattern;
  expect(thrown).toBeInstanceOf(errorClass);
  const error = thrown as OAuthError;
  expect(error.constructor).toBe(errorClass);
  expect({ error: error.error, status: error.status }).toEqual({
    error: spec.error,
    status: spec.status ?? new (errorClass as new () => OAuthError)().status,
  });
  if (error.description !== undefined) {
    expect(error.description).toMatch(ERROR_DESCRIPTION_CHARSET);
  }
  if (description) expect(error.description).toMatch(description);
  return error;
}

/** Runs `fn` and asserts it throws the OAuth error described (see {@link checkOAuthError}). */
export function expectOAuthError(
  fn: () => unknown,
  errorClass: OAuthErrorClass,
  expected: Expected,
  pattern?: RegExp,
): OAuthError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  return checkOAuthError(thrown, errorClass, expected, pattern);
}

/** Awaits `promise` and asserts it rejects with the OAuth error described. */
export async function expectOAuthRejection(
  promise: Promise<unknown>,
  errorClass: OAuthErrorClass,
  expected: Expected,
  pattern?: RegExp,
): Promise<OAuthError> {
  let thrown: unknown;
  try {
    await promise;
  } catch (err) {
    thrown = err;
  }
  return checkOAuthError(thrown, errorClass, expected, pattern);
}

/**
 * The body of an HTTP error response (RFC 6749 §5.2), typed for assertions on its fields once it
 * is seen to carry a string `error`.
 */
export function oauthErrorBody(res: { body: unknown }): OAuthErrorJson {
  const body = res.body as { error?: unknown } | null;
  expect(typeof body?.error).toBe('string');
  return body as OAuthErrorJson;
}
