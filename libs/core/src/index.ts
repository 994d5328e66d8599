/**
 * Small building blocks every service uses the same way: the injectable clock, the read-through
 * cache for records another service owns, and cursor paging of lists. No I/O; depends only on
 * @latchkey/oauth (for the invalid_request a bad cursor or limit is).
 */
export * from './clock';
export * from './clock.module';
export * from './loading-cache';
export * from './pagination';
