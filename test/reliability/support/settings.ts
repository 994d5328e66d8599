/** Settings every reliability suite runs the platform with (docs/reliability.md). */

/** BUS_TIMEOUT_MS of the services: short, so that faults outlast it within a short test. */
export const BUS_TIMEOUT_MS = 2_000;

/** The proxy's limit for an upstream; every answer must come within it (plus scheduling slack). */
export const UPSTREAM_TIMEOUT_MS = 8_000;

/**
 * REFRESH_TOKEN_REUSE_WINDOW_SECONDS: long enough to cover an outage plus the client's retries on
 * a loaded machine. An answer lost after its rotation committed (the reply stuck in a frozen bus
 * or process) can only be recovered by a retry within the window; with the default 10 s, one
 * family of eight was lost that way in a run on a two-core machine at load 30
 * (docs/reliability.md). Stale duplicates revoke nothing whatever the window.
 */
export const REUSE_WINDOW_SECONDS = 30;
