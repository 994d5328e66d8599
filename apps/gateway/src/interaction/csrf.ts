import { constantTimeEqual, InvalidRequest } from '@latchkey/oauth';

/**
 * The form's hidden `csrf` field must equal the token stored with the interaction (compared in
 * constant time). A cross-site page can make the browser post, but cannot read the token.
 */
export function checkCsrfToken(submitted: string | undefined, expected: string): void {
  if (submitted === undefined || !constantTimeEqual(submitted, expected)) {
    throw new InvalidRequest('the form is no longer valid; start again from the application');
  }
}

/**
 * Defence in depth: a form post whose Origin (or, without one, Referer) names another origin is
 * refused. `Origin: null` proves nothing either way: browsers send it for posts from pages with
 * `Referrer-Policy: no-referrer`, which ours are, so it counts as absent and the token decides.
 */
export function checkSameOrigin(
  headers: { origin?: string | string[]; referer?: string | string[] },
  issuer: string,
): void {
  const expected = new URL(issuer).origin;
  const origin = single(headers.origin);
  if (origin !== undefined && origin !== 'null') {
    if (origin !== expected) throw crossSite();
    return;
  }
  const referer = single(headers.referer);
  if (referer !== undefined && referer !== '') {
    let refererOrigin: string | undefined;
    try {
      refererOrigin = new URL(referer).origin;
    } catch {
      throw crossSite();
    }
    if (refererOrigin !== expected) throw crossSite();
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function crossSite(): InvalidRequest {
  return new InvalidRequest('the form was posted from another site');
}
