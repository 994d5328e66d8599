import type { TokenRequest } from '@latchkey/contracts';
import { InvalidRequest, type RawParams } from '@latchkey/oauth';
import type { ClientAuthenticationInput } from './client-authenticator.service';

/**
 * The form parameters of a client-authenticated request (revocation, introspection) as the
 * gateway forwards it; refused when there are none.
 */
export function readRequestParams(request: TokenRequest | undefined): RawParams {
  const params: unknown = request?.params;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new InvalidRequest('the request has no form parameters');
  }
  return params as RawParams;
}

/** What the client authenticator needs from a client-authenticated request (token, revocation, introspection). */
export function authenticationInputOf(
  request: TokenRequest,
  params: RawParams,
  endpoint: ClientAuthenticationInput['endpoint'],
): ClientAuthenticationInput {
  return {
    endpoint,
    authorization: typeof request.authorization === 'string' ? request.authorization : undefined,
    params,
    ip: typeof request.ip === 'string' ? request.ip : undefined,
    user_agent: typeof request.user_agent === 'string' ? request.user_agent : undefined,
  };
}
