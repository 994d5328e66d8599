/**
 * Cookie headers (RFC 6265), only as much as the gateway's own cookies need: their values are
 * base64url and dots, so no encoding is involved and anything else is not ours.
 */

/** cookie-value characters of RFC 6265 §4.1.1 that our values use. */
const OUR_VALUE = /^[A-Za-z0-9_.-]{1,4096}$/;

/**
 * The cookies of a `Cookie` header by name. When a name appears twice (a sibling subdomain can
 * plant a cookie of the same name), the first one wins, as browsers send the most specific path
 * first; a value we could not have set is skipped.
 */
export function parseCookieHeader(header: string | string[] | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (!text) return cookies;
  for (const pair of text.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const name = pair.slice(0, eq).trim();
    let value = pair.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
      value = value.slice(1, -1);
    }
    if (name === '' || cookies.has(name) || !OUR_VALUE.test(value)) continue;
    cookies.set(name, value);
  }
  return cookies;
}

export interface CookieAttributes {
  /** Seconds; omitted: a session cookie; 0: delete. */
  maxAgeSeconds?: number;
  secure: boolean;
}

/**
 * A `Set-Cookie` value with the attributes every gateway cookie has: HttpOnly (no script reads
 * it), SameSite=Lax (sent on top-level navigations from the client's site, never on its
 * subrequests or cross-site POSTs), Path=/ and, when the issuer is https, Secure.
 */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  if (!OUR_VALUE.test(value) && value !== '') {
    throw new RangeError('cookie values must be base64url characters and dots');
  }
  const parts = [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (attributes.secure) parts.push('Secure');
  if (attributes.maxAgeSeconds !== undefined) {
    parts.push(`Max-Age=${Math.max(0, Math.floor(attributes.maxAgeSeconds))}`);
  }
  return parts.join('; ');
}
