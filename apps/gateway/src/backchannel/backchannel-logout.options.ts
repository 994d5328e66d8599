/** How logout tokens are delivered (OIDC Back-Channel Logout §2.5). */
export interface BackchannelLogoutOptions {
  /** Each POST is abandoned after this long (a slow relying party must not hold a slot). */
  timeoutMs: number;
  /** Waits before the 2nd, 3rd, ... attempt; its length + 1 is the number of attempts. */
  retryDelaysMs: readonly number[];
  /** POSTs in flight at once. */
  concurrency: number;
  /** Deliveries waiting (queued or between attempts) beyond which new ones are dropped. */
  maxPending: number;
}

/** 3 attempts over about 30 s, 5 s each at most. */
export const DEFAULT_BACKCHANNEL_LOGOUT_OPTIONS: BackchannelLogoutOptions = {
  timeoutMs: 5_000,
  retryDelaysMs: [5_000, 25_000],
  concurrency: 8,
  maxPending: 1_000,
};

export const BACKCHANNEL_LOGOUT_OPTIONS = Symbol('BACKCHANNEL_LOGOUT_OPTIONS');
