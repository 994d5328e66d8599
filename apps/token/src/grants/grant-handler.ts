import type { TokenRequest, TokenResponse } from '@latchkey/contracts';
import type { GrantType, RawParams } from '@latchkey/oauth';
import type { AuthenticatedClient } from '../client-auth/client-authenticator.service';

export interface GrantContext extends AuthenticatedClient {
  /** The request's form parameters (grant-specific ones are read by the grant). */
  params: RawParams;
  request: TokenRequest;
}

/** One per grant type (node-oidc-provider style): the token endpoint dispatches on grant_type. */
export interface GrantHandler {
  readonly grantType: GrantType;
  handle(context: GrantContext): Promise<TokenResponse>;
}

/** DI token of the list of grant handlers the token endpoint dispatches to. */
export const GRANT_HANDLERS = 'LATCHKEY_GRANT_HANDLERS';
