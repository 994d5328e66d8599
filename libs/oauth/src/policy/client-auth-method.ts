/**
 * Which client authentication methods a client may use, given the one it registered
 * (docs/architecture.md §3). A client with a secret may present it either way RFC 6749 §2.3.1
 * allows, in `Authorization: Basic` or in the form body, whichever it registered, as libraries
 * differ in their default (Keycloak and node-oidc-provider accept both too). `private_key_jwt` and
 * `none` stay exact: otherwise a key-bound client could be downgraded to a leaked secret, or any
 * client to no authentication at all.
 */
const CLIENT_SECRET_METHODS: ReadonlySet<string> = new Set([
  'client_secret_basic',
  'client_secret_post',
]);

export function acceptsClientAuthMethod(registered: string, used: string): boolean {
  if (registered === used) return true;
  return CLIENT_SECRET_METHODS.has(registered) && CLIENT_SECRET_METHODS.has(used);
}
