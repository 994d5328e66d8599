import { InvalidClient } from '@latchkey/oauth';
import type { TokenClient } from '../clients/client-record';

/**
 * `none` (OIDC Registration §2): a public client only identifies itself. It is never enough for a
 * confidential client; what the client may then do (PKCE required, no client_credentials) is
 * checked by the grants.
 */
export function authenticateNone(client: TokenClient): void {
  if (client.token_endpoint_auth_method !== 'none') {
    throw new InvalidClient('a confidential client must authenticate');
  }
}
