import { constantTimeEqual, InvalidClient, sha256Base64Url } from '@latchkey/oauth';
import type { TokenClient } from '../clients/client-record';

/**
 * client_secret_basic and client_secret_post (RFC 6749 §2.3.1), which differ only in where the
 * secret came. The presented secret must hash to one of the client's unexpired secret hashes (two during a
 * rotation grace period). Every unexpired hash is compared, in constant time and without stopping
 * at a match, so the timing does not tell which one matched or how many there are.
 */
export function checkClientSecret(client: TokenClient, secret: string, now: Date): void {
  checkSecretNotExpired(client, now);
  const presented = sha256Base64Url(secret);
  let matched = false;
  for (const stored of unexpiredSecretHashes(client, now)) {
    // Evaluate the comparison first: `||` must not skip it once a match was found.
    matched = constantTimeEqual(presented, stored.hash) || matched;
  }
  if (!matched) throw new InvalidClient('client secret does not match');
}

/** RFC 7591 §3.2.1: client_secret_expires_at, 0 meaning never. */
export function checkSecretNotExpired(client: TokenClient, now: Date): void {
  const expiresAt = client.client_secret_expires_at;
  if (typeof expiresAt === 'number' && expiresAt > 0 && expiresAt * 1000 <= now.getTime()) {
    throw new InvalidClient('client secret has expired');
  }
}

function unexpiredSecretHashes(client: TokenClient, now: Date) {
  return (client.secret_hashes ?? []).filter(
    (stored) =>
      typeof stored?.hash === 'string' &&
      (stored.expires_at === null ||
        stored.expires_at === undefined ||
        Date.parse(stored.expires_at) > now.getTime()),
  );
}
