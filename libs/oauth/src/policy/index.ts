/** The protocol policy every service applies alike: one definition per rule (docs/architecture.md §3). */
export * from './access-token-verification';
export * from './active-client';
export * from './admin-scope';
export * from './audience';
export * from './client-auth-method';
export * from './client-id';
export * from './public-client';
