/** An API resource (resource server): the `aud` of the access tokens issued for it. */
export interface ResourceView {
  /** Absolute URI, used as `aud` (RFC 8707 `resource` parameter). */
  identifier: string;
  name: string;
  /** Scopes this resource defines (scope tokens, each listed once); no other resource has them. */
  scopes: string[];
  /**
   * Roles this resource defines (docs/architecture.md §7): users are given them per resource, and
   * a token for this audience carries the user's ones in `roles`.
   */
  roles: string[];
  /** What each scope lets an application do, in the user's words, for the consent page. */
  scope_descriptions: Record<string, string>;
  /** Access-token lifetime in seconds for tokens whose audience is this resource. */
  access_token_lifetime: number;
  created_at: string;
  updated_at: string;
}

export interface CreateResourceRequest {
  /** Untrusted input validated by the registry. */
  resource: unknown;
}
export interface GetResourceRequest {
  identifier: string;
}
export interface ListResourcesRequest {
  limit?: number;
  cursor?: string;
}
export interface ListResourcesResponse {
  items: ResourceView[];
  next_cursor: string | null;
}
export interface UpdateResourceRequest {
  identifier: string;
  patch: unknown;
}
export interface DeleteResourceRequest {
  identifier: string;
}
/** `resources.all`: every resource, for the token service's audience and scope cache. */
export type AllResourcesResponse = ResourceView[];

export interface ResourceChangedEvent {
  identifier: string;
  change: 'created' | 'updated' | 'deleted';
}
