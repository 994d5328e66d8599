/** RFC 9701 §4: the media type of a signed introspection response. */
export const INTROSPECTION_JWT_MEDIA_TYPE = 'application/token-introspection+jwt';

/**
 * RFC 9701 §4: the resource server asks for the signed response with
 * `Accept: application/token-introspection+jwt`. True when the header lists that media type
 * with a non-zero quality (parameters and case aside); otherwise the plain JSON of RFC 7662.
 */
export function wantsIntrospectionJwt(accept: string | string[] | undefined): boolean {
  const values = Array.isArray(accept) ? accept : accept === undefined ? [] : [accept];
  return values
    .flatMap((value) => value.split(','))
    .some((range) => {
      const [type = '', ...params] = range.split(';').map((part) => part.trim());
      if (type.toLowerCase() !== INTROSPECTION_JWT_MEDIA_TYPE) return false;
      const quality = params.find((param) => /^q\s*=/i.test(param));
      return quality === undefined || Number(quality.split('=')[1]) > 0;
    });
}
