import type { ClientRecord } from '@latchkey/contracts';

/**
 * A client record as the token service reads it. `token_endpoint_auth_signing_alg` (OIDC
 * Registration §2) is not part of `ClientMetadata` yet; it is read as optional here and checked
 * before use (only an asymmetric algorithm is ever honoured).
 */
export type TokenClient = ClientRecord & {
  token_endpoint_auth_signing_alg?: string;
};
