/**
 * NIST SP 800-63B §5.1.1.2: length, not composition. At least 8 characters; long passphrases up
 * to 1024 are accepted (argon2 pre-hashes its input, and the body limit bounds the work anyway).
 */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 1024;

/**
 * NIST SP 800-63B §5.1.1.2: Unicode is allowed and normalised (NFKC) before hashing, so the same
 * passphrase typed on another keyboard or OS (composed or decomposed accents) still matches.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** Why `password` is not acceptable as a new password, or undefined. Length in code points. */
export function checkPassword(password: unknown): string | undefined {
  if (typeof password !== 'string') return 'password must be a string';
  const length = [...normalizePassword(password)].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    return `password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`;
  }
  return undefined;
}
