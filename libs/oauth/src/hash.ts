import { createHash } from 'node:crypto';

/**
 * BASE64URL(SHA-256(UTF-8(input))), without padding: the PKCE S256 transform (RFC 7636 §4.2) and
 * the form in which high-entropy secrets (refresh tokens, client secrets) are stored. A fast hash is
 * right for those because they carry 256 bits of entropy; user passwords need argon2id instead.
 */
export function sha256Base64Url(input: string): string {
  return createHash('sha256').update(input, 'utf8').digest('base64url');
}
