/**
 * The client side of the client registry's contract (libs/contracts `clients.*`): what the other
 * services need to read the registry's clients, as libs/audit-client is for the audit stream.
 */
export * from './claim-scopes.cache';
export * from './clients.cache';
export * from './registered-cors-origins';
export * from './resources.cache';
