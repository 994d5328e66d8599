import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { TokenRequest } from '@latchkey/contracts';
import { InvalidRequest } from '@latchkey/oauth';
import type { Request } from 'express';
import { FORM, isFormEncoded } from './form-body';

/**
 * The token request as the token service expects it (RFC 6749 §3.2): the form parameters
 * untouched — the body parser runs with `extended: false`, so a repeated parameter stays an array
 * and the token service can refuse it — plus the raw Authorization header and, for audit, the
 * caller's address and user agent.
 */
export function readTokenRequest(req: Request): TokenRequest {
  checkFormEncoded(req);
  const request: TokenRequest = { params: formParams(req.body) };
  const { authorization } = req.headers;
  if (typeof authorization === 'string') request.authorization = authorization;
  if (req.ip) request.ip = req.ip;
  const userAgent = req.headers['user-agent'];
  if (userAgent) request.user_agent = userAgent;
  return request;
}

/** RFC 6749 §3.2: parameters are sent with application/x-www-form-urlencoded, and only so. */
export function checkFormEncoded(req: Request): void {
  if (!isFormEncoded(req)) {
    throw new InvalidRequest(`the token request must be sent as ${FORM}`);
  }
}

/**
 * Copies the parsed form into a plain object (own properties only, so even a parameter named
 * `__proto__` is kept as data). The parser only yields strings and arrays of strings; anything
 * else would mean another parser ran, and is refused rather than forwarded.
 */
function formParams(body: unknown): Record<string, string | string[]> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object') throw new InvalidRequest('the token request body is malformed');
  const entries = Object.entries(body);
  for (const [, value] of entries) {
    if (!(typeof value === 'string' || (Array.isArray(value) && value.every(isString)))) {
      throw new InvalidRequest('the token request body is malformed');
    }
  }
  return Object.fromEntries(entries) as Record<string, string | string[]>;
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

/** Handler parameter: the request as `readTokenRequest` reads it (errors go to the filter). */
export const FormTokenRequest = createParamDecorator((_data: unknown, ctx: ExecutionContext) =>
  readTokenRequest(ctx.switchToHttp().getRequest<Request>()),
);
