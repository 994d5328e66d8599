/**
 * Assertions shared by the specs of this library (not exported from index.ts).
 */
import { OAuthError } from './errors/oauth-error';

type OAuthErrorClass = new (description?: string) => OAuthError;

/**
 * RFC 6749 §4.1.2.1 / §5.2: error_description may only hold %x20-21 / %x23-5B / %x5D-7E, which is
 * also why no rule here echoes raw request input into a description.
 */
export const ERROR_DESCRIPTION_CHARSET = /^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * Runs `fn` and asserts that it throws exactly the given OAuthError class with the given RFC error
 * code, a description in the allowed charset and, when given, a description matching `pattern`.
 */
export function expectOAuthError(
  fn: () => unknown,
  errorClass: OAuthErrorClass,
  code: string,
  pattern?: RegExp,
): OAuthError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(errorClass);
  const error = thrown as OAuthError;
  expect(error.constructor).toBe(errorClass);
  expect(error.error).toBe(code);
  expect(error.description).toMatch(ERROR_DESCRIPTION_CHARSET);
  if (pattern) expect(error.description).toMatch(pattern);
  return error;
}
