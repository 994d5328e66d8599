import { randomBytes } from 'node:crypto';

/** Below 128 bits a token is guessable offline; above 1 KiB it is a mistake, not a token. */
const MIN_TOKEN_BYTES = 16;
const MAX_TOKEN_BYTES = 1024;

/**
 * An unguessable token from the CSPRNG, base64url without padding. The default of 32 bytes gives
 * the 256 bits the platform uses for codes, refresh tokens and client secrets.
 */
export function randomToken(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < MIN_TOKEN_BYTES || bytes > MAX_TOKEN_BYTES) {
    throw new RangeError(
      `randomToken needs an integer byte count between ${MIN_TOKEN_BYTES} and ${MAX_TOKEN_BYTES}`,
    );
  }
  return randomBytes(bytes).toString('base64url');
}
