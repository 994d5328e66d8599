/**
 * Keys in the shared key-value store that more than one service reads: part of the contract
 * between services, like the NATS subjects (all services use the store prefix `latchkey:`).
 */

/** A revoked access token, by `jti`, until it would have expired (RFC 7009 revocation). */
export function revokedJtiKey(jti: string): string {
  return `revoked:jti:${jti}`;
}
