/**
 * Public clients (RFC 6749 §2.1) register token_endpoint_auth_method `none`: they cannot keep a
 * secret, so their codes are bound to PKCE (docs/architecture.md §3, RFC 9700 §2.1.1) at
 * authorize, at code issuance and again at redemption.
 */
export interface ClientAuthMethodOf {
  token_endpoint_auth_method: string;
}

export function isPublicClient(client: ClientAuthMethodOf): boolean {
  return client.token_endpoint_auth_method === 'none';
}

/** Whether an authorization request of this client must carry a PKCE challenge. */
export function requiresPkce(client: ClientAuthMethodOf): boolean {
  return isPublicClient(client);
}
