/**
 * The `at_hash` / `c_hash` claims of an ID Token (OIDC Core §3.1.3.6, §3.3.2.11): the base64url
 * encoding of the left-most half of the hash of the token's ASCII octets, with the hash function
 * of the ID Token's JWS algorithm.
 */
import { createHash } from 'node:crypto';

/**
 * Hash function per JWS algorithm: the one the signature uses (RFC 7518 §3). EdDSA names no hash;
 * OIDC uses SHA-512 for Ed25519, the curve it signs with (Ed25519 hashes with SHA-512).
 */
const HASH_BY_ALG: Readonly<Record<string, string>> = {
  RS256: 'sha256',
  PS256: 'sha256',
  ES256: 'sha256',
  RS384: 'sha384',
  PS384: 'sha384',
  ES384: 'sha384',
  RS512: 'sha512',
  PS512: 'sha512',
  ES512: 'sha512',
  EdDSA: 'sha512',
  Ed25519: 'sha512',
};

/** The hash function OIDC pairs with `alg`, or undefined for an algorithm it defines none for. */
export function tokenHashAlgorithm(alg: string): string | undefined {
  return Object.hasOwn(HASH_BY_ALG, alg) ? HASH_BY_ALG[alg] : undefined;
}

/** `at_hash` of an access token (or `c_hash` of a code) for an ID Token signed with `alg`. */
export function computeTokenHash(token: string, alg: string): string {
  const algorithm = tokenHashAlgorithm(alg);
  if (algorithm === undefined) throw new RangeError(`no token hash is defined for alg ${alg}`);
  const digest = createHash(algorithm).update(token, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}
