/** OIDC Core §3.1.2.1 prompt values this server acts on. */
export const PROMPT_VALUES = ['none', 'login', 'consent', 'select_account'] as const;
export type Prompt = (typeof PROMPT_VALUES)[number];

/**
 * An authorization request after every check of the authorization endpoint: what the pages, the
 * interaction state and the code are made from. Stored as JSON in the interaction.
 */
export interface AuthorizationRequest {
  client_id: string;
  /** The redirect URI the response goes to (the requested one, or the only registered one). */
  redirect_uri: string;
  /** Whether the request carried redirect_uri (then the token request must repeat it). */
  redirect_uri_explicit: boolean;
  state?: string;
  /** The scopes to grant, after the client's registration allowed them. */
  scopes: string[];
  nonce?: string;
  code_challenge?: string;
  code_challenge_method?: 'S256';
  prompt: Prompt[];
  /** Seconds (OIDC Core §3.1.2.1). */
  max_age?: number;
  login_hint?: string;
  /** The upstream identity provider to send the user to directly (docs/identity-providers.md). */
  idp_hint?: string;
  /** The `sub` of a verified id_token_hint: the user the client expects. */
  id_token_hint_sub?: string;
  /** RFC 8707 resource indicator. */
  resource?: string;
  /** The `claims` parameter (OIDC Core §5.5), normalized JSON (docs/architecture.md §7). */
  claims?: string;
}

/** Where an authorization error may be delivered once client and redirect_uri are proven. */
export interface RedirectTarget {
  redirect_uri: string;
  state?: string;
}
