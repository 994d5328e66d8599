/**
 * Reading OAuth request parameters from a parsed query string or form body.
 */
import { InvalidRequest } from './errors/oauth-error';

/**
 * Parameters as a framework hands them over: strings, arrays for repeated names, and, with an
 * extended (qs-style) parser, nested objects for `name[key]=value`. Typed loosely on purpose so
 * that whatever the parser produced is checked here rather than trusted.
 */
export type RawParams = Readonly<Record<string, unknown>>;

/**
 * Reads each named parameter as a single string (RFC 6749 §3.1): a parameter sent more than once is
 * invalid_request, even if the copies agree or one is empty, because front-ends and back-ends can
 * disagree about which copy wins. A parameter sent without a value is treated as omitted (RFC 6749
 * §3.1). Parameters not named are ignored. `params` may be undefined (a request without a body).
 */
export function readSingleParams<N extends string>(
  params: RawParams | undefined,
  names: readonly N[],
): Partial<Record<N, string>> {
  const result: Partial<Record<N, string>> = {};
  if (params === undefined || params === null) return result;
  for (const name of names) {
    // Own properties only: `constructor` or `__proto__` must not resolve through the prototype.
    if (!Object.hasOwn(params, name)) continue;
    const value = readOne(params[name], name);
    if (value !== undefined && value !== '') result[name] = value;
  }
  return result;
}

function readOne(raw: unknown, name: string): string | undefined {
  let value = raw;
  if (Array.isArray(value)) {
    if (value.length > 1) throw new InvalidRequest(`parameter ${name} must not be repeated`);
    // Some parsers hand every parameter over as a list; a list of one is a single occurrence.
    if (value.length === 0) return undefined;
    value = value[0];
  } else if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string') throw new InvalidRequest(`parameter ${name} must be a string`);
  return value;
}
