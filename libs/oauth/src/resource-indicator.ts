/**
 * Resource indicators (RFC 8707): the `resource` parameter names the protected resource an access
 * token is meant for, and becomes its `aud`.
 */
import { InvalidRequest, InvalidTarget } from './errors/oauth-error';
import type { RawParams } from './params';

/** RFC 3986 §3.1 scheme followed by the rest of an absolute URI, printable ASCII, no space. */
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7E]+$/;

/**
 * RFC 8707 §2: the value must be an absolute URI (RFC 3986 §4.3) and must not contain a fragment.
 * The value is not echoed: it is arbitrary client input.
 */
export function checkResourceIndicator(value: string): void {
  if (typeof value !== 'string' || !ABSOLUTE_URI.test(value)) {
    throw new InvalidTarget('resource must be an absolute URI');
  }
  if (value.includes('#')) throw new InvalidTarget('resource must not contain a fragment');
  try {
    new URL(value);
  } catch {
    throw new InvalidTarget('resource must be an absolute URI');
  }
}

/**
 * Reads the `resource` parameter of a token request. RFC 8707 lets a client repeat it; this
 * server issues tokens for one audience, so more than one value is invalid_target (the request is
 * well-formed, the server does not support it), never silently narrowed to the first. A value
 * without content counts as absent (RFC 6749 §3.1).
 */
export function readResourceIndicator(params: RawParams | undefined): string | undefined {
  if (params === undefined || params === null || !Object.hasOwn(params, 'resource')) {
    return undefined;
  }
  let value = params.resource;
  if (Array.isArray(value)) {
    if (value.length > 1) {
      throw new InvalidTarget('only one resource per request is supported');
    }
    value = value[0];
  }
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new InvalidRequest('parameter resource must be a string');
  checkResourceIndicator(value);
  return value;
}
