import { InvalidRequest, readSingleParams, type RawParams } from '@latchkey/oauth';

/** The token types this server issues and can revoke or introspect (RFC 7009 §2.1). */
export type PresentedTokenType = 'access_token' | 'refresh_token';

export interface PresentedTokenParams {
  token: string;
  /** The hint, when it names a type we know; any other value is ignored. */
  hint?: PresentedTokenType;
}

/** Far above any token we issue; longer values are not looked up. */
const MAX_TOKEN_LENGTH = 8192;

/**
 * RFC 7009 §2.1 / RFC 7662 §2.1: `token` is required (once); `token_type_hint` is optional, and
 * only a hint. A hint value we do not know is ignored rather than refused: unsupported_token_type
 * (RFC 7009 §2.2.1) is for a type of token the server cannot revoke, and both types we issue can
 * be; an unknown hint says nothing about the token itself, which is searched for as usual.
 */
export function readPresentedTokenParams(params: RawParams): PresentedTokenParams {
  const { token, token_type_hint } = readSingleParams(params, ['token', 'token_type_hint']);
  if (token === undefined) throw new InvalidRequest('token is required');
  if (token.length > MAX_TOKEN_LENGTH) throw new InvalidRequest('token is too long');
  const hint =
    token_type_hint === 'access_token' || token_type_hint === 'refresh_token'
      ? token_type_hint
      : undefined;
  return hint ? { token, hint } : { token };
}

/**
 * Where to look first: where the hint says, then the other type (RFC 7009 §2.1: a server unable
 * to find the token with the hint extends its search to every type it supports).
 */
export function lookupOrder(hint: PresentedTokenType | undefined): PresentedTokenType[] {
  return hint === 'refresh_token'
    ? ['refresh_token', 'access_token']
    : ['access_token', 'refresh_token'];
}
