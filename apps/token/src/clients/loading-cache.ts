/** Moved to `@latchkey/transport` (the gateway caches registry records too); kept for imports. */
export { LoadingCache, type LoadingCacheOptions } from '@latchkey/transport';
