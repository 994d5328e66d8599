import { InvalidRequest, type RawParams } from '@latchkey/oauth';
import type { Request } from 'express';

/** The media type of OAuth requests (RFC 6749 §3.2, RFC 7009 §2.1, RFC 6750 §2.2) and of HTML forms. */
export const FORM = 'application/x-www-form-urlencoded';

/** Whether the body was sent as a form (parameters on the media type, such as charset, allowed). */
export function isFormEncoded(req: Request): boolean {
  return req.is(FORM) === FORM;
}

/**
 * The parameters of an HTML form post (application/x-www-form-urlencoded, parsed without qs, so
 * a repeated field stays a list for readSingleParams to refuse). Another media type is refused.
 */
export function readFormBody(req: Request): RawParams {
  if (!isFormEncoded(req)) {
    throw new InvalidRequest(`the form must be sent as ${FORM}`);
  }
  const body: unknown = req.body;
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidRequest('the form is malformed');
  }
  return body as RawParams;
}
