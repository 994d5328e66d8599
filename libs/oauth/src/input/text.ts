/**
 * What text a request field may hold (docs/architecture.md §3, Errors). Every value that reaches
 * a handler, the bus or the database passes one of these first: PostgreSQL refuses a NUL in text
 * and jsonb, and a lone UTF-16 surrogate in jsonb, and neither has a meaning in any field.
 */

/** C0 controls (and DEL) other than tab, line feed and carriage return. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_EXCEPT_WHITESPACE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
/** Every C0 control and DEL. */
// eslint-disable-next-line no-control-regex -- likewise
const ANY_CONTROL = /[\u0000-\u001F\u007F]/;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `value` holds an unpaired UTF-16 surrogate (text no UTF-8 encoding can carry). */
export function hasLoneSurrogate(value: string): boolean {
  return LONE_SURROGATE.test(value);
}

/**
 * Text a free-form field may hold (a name, a description, a password, a state): any character
 * except the C0 controls that are not whitespace, and no lone surrogate.
 */
export function isFieldText(value: string): boolean {
  return !CONTROL_EXCEPT_WHITESPACE.test(value) && !hasLoneSurrogate(value);
}

/**
 * Text an identifier may hold (a client_id, a username, a sub, a path id, a parameter name): no
 * control character at all, not even whitespace controls, and no lone surrogate.
 */
export function isIdentifierText(value: string): boolean {
  return !ANY_CONTROL.test(value) && !hasLoneSurrogate(value);
}

/**
 * Parameters whose values are identifiers wherever they appear (query, form or JSON): each names
 * a row some service looks up.
 */
export const IDENTIFIER_PARAMS: ReadonlySet<string> = new Set([
  'client_id',
  'username',
  'sub',
  'subject',
  'iss',
]);

/** The text rule for the value of parameter `name`. */
export function isParamText(name: string, value: string): boolean {
  return IDENTIFIER_PARAMS.has(name) ? isIdentifierText(value) : isFieldText(value);
}

/**
 * Whether a form-urlencoded or query text (`a=b&c=d`, `+` for a space) percent-decodes to valid
 * UTF-8. Parsers do not say: Node's querystring turns `%FF` into U+FFFD, so a value would change
 * silently; `decodeURIComponent` throws on it, which is what this relies on.
 */
export function isUtf8FormText(text: string): boolean {
  for (const part of text.split(/[&=]/)) {
    if (!part.includes('%')) continue;
    try {
      decodeURIComponent(part.replace(/\+/g, ' '));
    } catch {
      return false;
    }
  }
  return true;
}

/** A path segment as routers decode it, or undefined when its percent-encoding is not UTF-8. */
export function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
