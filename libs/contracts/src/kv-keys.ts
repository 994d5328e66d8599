/**
 * Keys in the shared key-value store that more than one service reads: part of the contract
 * between services, like the NATS subjects.
 */

/**
 * Every service's keys live under this prefix in the one store they share (codes issued by the
 * token service are redeemed through the gateway; revoked token ids are read by both).
 */
export const KV_KEY_PREFIX = 'latchkey:';

/** A revoked access token, by `jti`, until it would have expired (RFC 7009 revocation). */
export function revokedJtiKey(jti: string): string {
  return `revoked:jti:${jti}`;
}
