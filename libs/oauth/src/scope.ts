/**
 * The scope parameter (RFC 6749 §3.3): space-delimited, case-sensitive tokens, order irrelevant.
 * Scope sets keep first-seen order so that formatted scopes are stable for the same input.
 */
import { InvalidScope } from './errors/oauth-error';

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), i.e. no space, `"` or `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export function isValidScopeToken(token: unknown): token is string {
  return typeof token === 'string' && SCOPE_TOKEN.test(token);
}

/**
 * Parses a scope string into a set of tokens. Runs of spaces and leading or trailing spaces are
 * tolerated (clients build these strings by concatenation); any other character outside the
 * scope-token alphabet, including tabs and newlines, is invalid_scope. An empty or all-space string
 * gives an empty set: whether an absent scope means a default is the caller's decision.
 */
export function parseScope(scope: string): Set<string> {
  if (typeof scope !== 'string') throw new InvalidScope('scope must be a string');
  const tokens = scope.split(' ').filter((token) => token !== '');
  for (const token of tokens) {
    if (!SCOPE_TOKEN.test(token)) {
      // Not echoed: the offending token may hold characters error_description cannot carry.
      throw new InvalidScope(
        'scope may only contain space-separated tokens of the characters %x21 / %x23-5B / %x5D-7E',
      );
    }
  }
  return new Set(tokens);
}

/** The wire form of a scope set: tokens joined by single spaces, duplicates dropped. */
export function formatScope(scopes: Iterable<string>): string {
  return [...new Set(scopes)].join(' ');
}

/**
 * A client may only obtain scopes it is registered for (docs/architecture.md §3). The refusal does
 * not name them: an error never repeats what the request said (it may be shown or logged anywhere).
 */
export function checkScopesAllowed(requested: Iterable<string>, allowed: Iterable<string>): void {
  const allowedSet = new Set(allowed);
  if ([...requested].some((scope) => !allowedSet.has(scope))) {
    throw new InvalidScope('scope not allowed for this client');
  }
}

/**
 * RFC 6749 §6: a refresh request may ask for fewer scopes than the grant holds, never more, and
 * omitting scope means all of them. Returns the scopes of the new access token.
 */
export function narrowScope(
  requested: ReadonlySet<string> | undefined,
  granted: ReadonlySet<string>,
): Set<string> {
  if (requested === undefined) return new Set(granted);
  if (requested.size === 0) {
    // A present but blank scope is a client bug; issuing a token for nothing would hide it.
    throw new InvalidScope('scope, when present, must name at least one scope');
  }
  if ([...requested].some((scope) => !granted.has(scope))) {
    throw new InvalidScope('scope exceeds the original grant');
  }
  return new Set(requested);
}
