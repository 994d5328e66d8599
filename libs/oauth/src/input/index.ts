/** The rules for input at every edge of the platform (docs/architecture.md §3, Errors). */
export * from './json-depth';
export * from './ranges';
export * from './request-input';
export * from './text';
