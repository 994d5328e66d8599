/**
 * The HTTP layer of the OAuth JSON endpoints, shared by every service that serves them: the
 * token, introspection, revocation and key-set endpoints, how their forms are read, and how an
 * error becomes RFC 6749 §5.2 JSON (docs/architecture.md §2.7).
 */
export * from './cors';
export * from './edge-errors';
export * from './endpoints';
export * from './form-body';
export * from './introspection-accept';
export * from './introspection.controller';
export * from './issuer.module';
export * from './json-document';
export * from './jwks.controller';
export * from './oauth-endpoints.module';
export * from './oauth-error.filter';
export * from './oauth-error.response';
export * from './revocation.controller';
export * from './token-request';
export * from './token.controller';
