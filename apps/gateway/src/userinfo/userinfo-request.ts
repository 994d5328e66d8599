import { InvalidRequest, readSingleParams } from '@latchkey/oauth';
import type { Request } from 'express';
import { decodeJwt } from 'jose';
import { readBearerToken } from '../auth/bearer-token';
import { MissingBearerToken } from '@latchkey/oauth-http';
import { isFormEncoded } from '@latchkey/oauth-http';

/**
 * The access token of a userinfo request (RFC 6750 §2): the Authorization header (§2.1) or, for
 * POST with a form body, the `access_token` field (§2.2). Exactly one method per request (§2);
 * the query string (§2.3) is refused, since URLs end up in logs and histories.
 */
export function readUserinfoToken(req: Request): string {
  if (Object.hasOwn(req.query ?? {}, 'access_token')) {
    throw new InvalidRequest('access tokens in the query string are not accepted');
  }
  const header = req.headers.authorization;
  const bodyToken = req.method === 'POST' ? readBodyToken(req) : undefined;
  if (bodyToken !== undefined) {
    if (header !== undefined) {
      throw new InvalidRequest('the access token must be sent in only one way');
    }
    return readBearerToken(`Bearer ${bodyToken}`);
  }
  if (header === undefined) throw new MissingBearerToken();
  return readBearerToken(header);
}

function readBodyToken(req: Request): string | undefined {
  if (!isFormEncoded(req)) return undefined;
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null) return undefined;
  return readSingleParams(body as Record<string, unknown>, ['access_token']).access_token;
}

/**
 * The client the request's access token was issued to (its `client_id`), for CORS. Read without
 * verifying: a forged claim only decides which origin may read the refusal of that token, and a
 * token that verifies carries its real client.
 */
export function userinfoClientId(req: Request): string | undefined {
  try {
    const clientId = decodeJwt(readUserinfoToken(req)).client_id;
    return typeof clientId === 'string' ? clientId : undefined;
  } catch {
    return undefined;
  }
}
