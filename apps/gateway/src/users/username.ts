/**
 * Usernames, after RFC 8265's UsernameCaseMapped profile in spirit: compared after Unicode NFKC
 * (so a full-width "ａｌｉｃｅ" is "alice") and case mapping, from a set of characters that cannot
 * hide among look-alike spaces or controls.
 */
export const USERNAME_MAX_LENGTH = 64;

/**
 * A letter or digit first, then letters (with their combining marks), digits and `. _ @ + -`:
 * enough for names and e-mail addresses, nothing that needs quoting in a URL, a log or a page.
 */
const USERNAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{M}\p{N}._@+-]*$/u;

/** The stored form of a username: NFKC, its case kept for display (`preferred_username`). */
export function canonicalUsername(input: string): string {
  return input.normalize('NFKC');
}

/**
 * The comparison key (the unique `username_normalized` column): NFKC, lower case, NFKC again
 * because lower-casing can produce characters that NFKC would compose.
 */
export function usernameKey(input: string): string {
  return canonicalUsername(input).toLowerCase().normalize('NFKC');
}

/** Why `input` is not an acceptable username, or undefined when it is. Length in code points. */
export function checkUsername(input: unknown): string | undefined {
  if (typeof input !== 'string') return 'username must be a string';
  const username = canonicalUsername(input);
  const length = [...username].length;
  if (length < 1 || length > USERNAME_MAX_LENGTH) {
    return `username must be 1 to ${USERNAME_MAX_LENGTH} characters`;
  }
  if (!USERNAME_PATTERN.test(username)) {
    return 'username must start with a letter or digit and hold only letters, digits and . _ @ + -';
  }
  return undefined;
}
