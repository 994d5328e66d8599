/** `users.token_claims`: what the token service needs of a user to sign a user's tokens. */
export interface TokenClaimsRequest {
  sub: string;
  client_id: string;
  /** The scopes of the token being issued, space-delimited. */
  scope: string;
  /**
   * Whether the ID Token carries the claims its scopes release (the client's `id_token_claims`);
   * otherwise only the claims the `claims` request parameter asks for in the ID Token.
   */
  scope_claims_in_id_token: boolean;
  /** The authorization request's `claims` parameter (OIDC Core §5.5), as normalized JSON. */
  claims_request?: string;
}

export type TokenClaimsResponse =
  | { active: false }
  | {
      active: true;
      /** Global roles. */
      roles: string[];
      /** Roles per resource identifier, as assigned; the token service keeps the defined ones. */
      resource_roles: Record<string, string[]>;
      /** Present when the scopes ask for groups (the `groups` scope). */
      groups?: string[];
      /** Claims for the ID Token besides the protocol ones. */
      id_token_claims: Record<string, unknown>;
    };
