import { InvalidRequest, type RawParams } from '@latchkey/oauth';
import type { Request } from 'express';

const FORM = 'application/x-www-form-urlencoded';

/**
 * The parameters of an HTML form post (application/x-www-form-urlencoded, parsed without qs, so
 * a repeated field stays a list for readSingleParams to refuse). Another media type is refused.
 */
export function readFormBody(req: Request): RawParams {
  if (req.is(FORM) !== FORM) {
    throw new InvalidRequest(`the form must be sent as ${FORM}`);
  }
  const body: unknown = req.body;
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidRequest('the form is malformed');
  }
  return body as RawParams;
}
