/**
 * Audiences and scopes of an access token (RFC 8707, RFC 9068; docs/architecture.md §3,
 * Audiences). A registered API scope belongs to one resource. The token's audiences are the
 * requested resource; without one, the resources whose scopes are granted, else the client's
 * default resource, else the issuer. Its API scopes are confined to its audiences: a scope of
 * another resource, or of none, is not granted (RFC 6749 §3.3: the response's `scope` says what
 * was). Whether a resource is registered is the caller's lookup; this is the rule itself.
 */
import { InvalidTarget } from '../errors/oauth-error';
import { GROUPS_SCOPE } from '../claims';
import { isOidcScope, OPENID_SCOPE } from '../oidc-scopes';

/** What the rule needs of a registered API resource. */
export interface ApiResource {
  identifier: string;
  scopes: readonly string[];
}

export interface TokenAudienceRequest<R extends ApiResource> {
  /** The scopes asked for (or held by the grant), in order. */
  requested: Iterable<string>;
  /** The RFC 8707 `resource` parameter, if any. */
  resource?: string | null;
  /** The scopes the client is registered for: nothing else is ever granted. */
  clientScopes: ReadonlySet<string>;
  defaultResource?: string | null;
  /** Every registered resource, oldest first. */
  resources: readonly R[];
  /** The issuer: as `resource`, it asks for a token for the issuer alone. */
  issuer: string;
  /**
   * Scopes the issuer releases itself besides OpenID Connect's: `groups` and the registry's
   * claim scopes (docs/architecture.md §7). Like OpenID Connect scopes they need no audience.
   */
  issuerScopes?: ReadonlySet<string>;
}

export interface TokenAudience<R extends ApiResource> {
  /** The resources the token is for; empty: the token is for the issuer alone. */
  resources: R[];
  /** The scopes granted, in the requested order. */
  scopes: string[];
}

/**
 * The resources a token is for and the scopes it carries. An unregistered `resource`, or one the
 * client may not use, is invalid_target (so is a default resource that is gone). OpenID Connect
 * scopes are the issuer's and stay; every other scope needs an audience that defines it and the
 * client's registration.
 */
export function tokenAudience<R extends ApiResource>(
  request: TokenAudienceRequest<R>,
): TokenAudience<R> {
  const requested = [...new Set(request.requested)].filter((scope) =>
    request.clientScopes.has(scope),
  );
  const audiences = audiencesFor(request, requested);
  const scopes = requested.filter(
    (scope) =>
      isOidcScope(scope) ||
      request.issuerScopes?.has(scope) === true ||
      audiences.some((r) => r.scopes.includes(scope)),
  );
  return { resources: audiences, scopes };
}

function audiencesFor<R extends ApiResource>(
  request: TokenAudienceRequest<R>,
  requested: readonly string[],
): R[] {
  const byId = (identifier: string) => request.resources.find((r) => r.identifier === identifier);
  if (request.resource === request.issuer) return [];
  if (request.resource) {
    const target = byId(request.resource);
    if (!target) throw new InvalidTarget('resource is not a registered resource');
    if (!clientMayUseResource(target, request.clientScopes, request.defaultResource)) {
      throw new InvalidTarget('the client may not use this resource');
    }
    return [target];
  }
  const owners: R[] = [];
  for (const scope of requested) {
    const owner = ownerOf(scope, request.resources);
    if (owner && !owners.includes(owner)) owners.push(owner);
  }
  if (owners.length > 0) return owners;
  if (!request.defaultResource) return [];
  const fallback = byId(request.defaultResource);
  if (!fallback) {
    throw new InvalidTarget("the client's default_resource is not a registered resource");
  }
  return [fallback];
}

/** The issuer's own released scopes: `groups` and the names of the registry's claim scopes. */
export function issuerReleasedScopes(claimScopeNames: Iterable<string>): Set<string> {
  return new Set([GROUPS_SCOPE, ...claimScopeNames]);
}

/**
 * The resource a scope belongs to. Registration keeps a scope to one resource; should older
 * data hold it twice, the oldest resource is its owner, so the answer never depends on timing.
 */
export function ownerOf<R extends ApiResource>(
  scope: string,
  resources: readonly R[],
): R | undefined {
  if (isOidcScope(scope)) return undefined;
  return resources.find((resource) => resource.scopes.includes(scope));
}

/** A client may ask for a resource that is its default one, or that defines a scope it holds. */
export function clientMayUseResource(
  resource: ApiResource,
  clientScopes: ReadonlySet<string>,
  defaultResource: string | null | undefined,
): boolean {
  return (
    resource.identifier === defaultResource ||
    resource.scopes.some((scope) => clientScopes.has(scope))
  );
}

/**
 * The `aud` of an access token: its resources and, when `openid` is granted, the userinfo
 * endpoint too, so one login serves the API and the user's profile. A token for no resource is
 * for the issuer (userinfo and, with `admin`, the admin API). One audience is a string.
 */
export function accessTokenAudience(
  resources: readonly ApiResource[],
  scopes: Iterable<string>,
  issuer: string,
): string | string[] {
  if (resources.length === 0) return issuer;
  const aud = resources.map((resource) => resource.identifier);
  if ([...scopes].includes(OPENID_SCOPE)) aud.push(userinfoEndpoint(issuer));
  return aud.length === 1 ? aud[0]! : aud;
}

/**
 * The userinfo endpoint (OIDC Core §5.3). As an audience it names userinfo in a token that is
 * also for an API; userinfo accepts it, or the issuer (a token for the issuer alone).
 */
export function userinfoEndpoint(issuer: string): string {
  return `${issuer}/userinfo`;
}

/** Whether an access token's audiences let it be used at userinfo. */
export function isForUserinfo(aud: readonly string[], issuer: string): boolean {
  return aud.includes(issuer) || aud.includes(userinfoEndpoint(issuer));
}
