import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

/**
 * What a resource server does with a Latchkey access token (RFC 9068): verify the signature
 * against the issuer's published JWKS, the `at+jwt` type, the issuer, the audience and the times.
 * Answers the claims for the caller's own checks.
 */
export async function verifyAccessToken(
  accessToken: string,
  { issuer, jwksUri, audience = issuer }: { issuer: string; jwksUri: string; audience?: string },
): Promise<JWTPayload> {
  const jwks = createRemoteJWKSet(new URL(jwksUri));
  const { payload } = await jwtVerify(accessToken, jwks, {
    issuer,
    audience,
    typ: 'at+jwt',
    requiredClaims: ['sub', 'client_id', 'iat', 'exp', 'jti'],
  });
  return payload;
}

/** A space-separated scope as a sorted list, to compare regardless of order. */
export function scopeList(scope: unknown): string[] {
  return typeof scope === 'string' ? scope.split(' ').sort() : [];
}
