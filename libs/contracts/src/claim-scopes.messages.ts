/**
 * A scope that releases claims (OIDC Core §5.4 style, for the operator's own scopes such as
 * `user_profile`): each claim it releases is read from a user attribute.
 */
export interface ClaimScopeView {
  /** The scope token. */
  name: string;
  /** Shown to users and operators; null when none was given. */
  description: string | null;
  /** Claim name → the user attribute its value comes from. */
  claims: Record<string, string>;
  /** Listed in discovery's `scopes_supported`. */
  public: boolean;
  created_at: string;
  updated_at: string;
}

export interface CreateClaimScopeRequest {
  /** Untrusted input validated by the registry. */
  scope: unknown;
}
export interface GetClaimScopeRequest {
  name: string;
}
export interface ListClaimScopesRequest {
  limit?: number;
  cursor?: string;
}
export interface ListClaimScopesResponse {
  items: ClaimScopeView[];
  next_cursor: string | null;
}
export interface UpdateClaimScopeRequest {
  name: string;
  patch: unknown;
}
export interface DeleteClaimScopeRequest {
  name: string;
}
export type AllClaimScopesResponse = ClaimScopeView[];

export interface ClaimScopeChangedEvent {
  name: string;
  change: 'created' | 'updated' | 'deleted';
}
