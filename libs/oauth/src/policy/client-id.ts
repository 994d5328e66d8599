import { isIdentifierText } from '../input/text';

/**
 * Longer than any client_id the registry hands out or accepts (generated ids are 22 characters,
 * chosen ones at most 128): a longer value is refused before it costs a lookup, a cache entry or
 * a line on a page. The same bound at authorize, client authentication and the registry.
 */
export const MAX_CLIENT_ID_LENGTH = 256;

/** A non-empty client_id within {@link MAX_CLIENT_ID_LENGTH}, of text an identifier may hold. */
export function isPlausibleClientId(clientId: unknown): clientId is string {
  return (
    typeof clientId === 'string' &&
    clientId !== '' &&
    clientId.length <= MAX_CLIENT_ID_LENGTH &&
    isIdentifierText(clientId)
  );
}
