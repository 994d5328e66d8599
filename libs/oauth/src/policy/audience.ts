/**
 * RFC 8707 / docs/architecture.md §3: the audience an access token is for is the requested
 * resource, else the client's default resource, else the issuer (a token for the platform's own
 * endpoints, e.g. userinfo). Whether a resource is registered is the caller's lookup.
 */
export function intendedAudience(
  resource: string | null | undefined,
  defaultResource: string | null | undefined,
  issuer: string,
): string {
  return resource ?? defaultResource ?? issuer;
}
