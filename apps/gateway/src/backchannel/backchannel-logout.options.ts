/** How logout tokens are delivered (OIDC Back-Channel Logout §2.5). */
export interface BackchannelLogoutOptions {
  /** Each POST is abandoned after this long (a slow relying party must not hold a slot). */
  timeoutMs: number;
  /** Waits before the 2nd, 3rd, ... attempt; its length + 1 is the number of attempts. */
  retryDelaysMs: readonly number[];
  /** Deliveries a replica takes (and POSTs at once) per round. */
  concurrency: number;
  /** How often a replica looks for deliveries that are due (retries, another replica's leftovers). */
  pollIntervalMs: number;
  /**
   * How long a claimed delivery is this replica's alone. Longer than an attempt can take; when a
   * replica dies mid-attempt, another one takes the delivery over after this.
   */
  leaseMs: number;
}

/** 5 attempts over about 12 minutes, 5 s each at most. */
export const DEFAULT_BACKCHANNEL_LOGOUT_OPTIONS: BackchannelLogoutOptions = {
  timeoutMs: 5_000,
  retryDelaysMs: [5_000, 30_000, 120_000, 600_000],
  concurrency: 8,
  pollIntervalMs: 2_000,
  leaseMs: 30_000,
};

export const BACKCHANNEL_LOGOUT_OPTIONS = Symbol('BACKCHANNEL_LOGOUT_OPTIONS');
