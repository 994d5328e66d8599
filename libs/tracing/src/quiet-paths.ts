/** Probes and scrapes: requests nobody reads one by one, neither logged nor traced. */
export const QUIET_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);
