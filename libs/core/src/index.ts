/**
 * Small building blocks every service uses the same way: the injectable clock, the read-through
 * cache for records another service owns, cursor paging of lists, and a concurrency limit. No I/O; depends only on
 * @latchkey/oauth (for the invalid_request a bad cursor or limit is).
 */
export * from './clock';
export * from './clock.module';
export * from './concurrency-limit';
export * from './loading-cache';
export * from './pagination';
export * from './key-encryption';
