import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { InvalidToken } from '@latchkey/oauth';
import type { Request } from 'express';
import { MissingBearerToken } from '@latchkey/oauth-http';

/** RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=". */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1; the scheme is
 * case-insensitive). No header, or another scheme, means no Bearer credentials were sent
 * (MissingBearerToken); a Bearer header whose token is empty or not a b64token is invalid_token.
 * Tokens in the query string or form body (RFC 6750 §2.2, §2.3) are not accepted.
 */
export function readBearerToken(header: unknown): string {
  if (typeof header !== 'string' || header.trim() === '') throw new MissingBearerToken();
  const trimmed = header.trim();
  const space = trimmed.indexOf(' ');
  const scheme = space < 0 ? trimmed : trimmed.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') {
    throw new MissingBearerToken('a Bearer access token is required; another scheme was sent');
  }
  const token = space < 0 ? '' : trimmed.slice(space + 1).trim();
  if (!B64TOKEN.test(token)) throw new InvalidToken('the Bearer token is malformed');
  return token;
}

/** Handler parameter: the Bearer token of the request (errors go to the exception filter). */
export const BearerToken = createParamDecorator((_data: unknown, ctx: ExecutionContext) =>
  readBearerToken(ctx.switchToHttp().getRequest<Request>().headers.authorization),
);
