/**
 * How long the token service's artefacts live, in seconds: the one place to change them. Client
 * metadata (`refresh_token_lifetime`, `id_token_lifetime`, `access_token_lifetime`) overrides the
 * defaults per client where it exists.
 */

/** Authorization codes (docs/architecture.md §3; RFC 6749 §4.1.2 recommends at most 10 minutes). */
export const AUTHORIZATION_CODE_TTL_SECONDS = 60;

/**
 * How long a redeemed code is remembered, so that a second redemption can still find and revoke
 * what the first one issued (RFC 6749 §4.1.2, RFC 9700 §4.5). Replays later than this only fail.
 */
export const REDEEMED_CODE_MEMORY_SECONDS = 10 * 60;

/** Absolute lifetime of a grant's refresh-token family when the client sets none. */
export const DEFAULT_REFRESH_TOKEN_LIFETIME_SECONDS = 30 * 24 * 3600;

/** A refresh token not used for this long expires, even inside the family's absolute lifetime. */
export const REFRESH_TOKEN_IDLE_LIFETIME_SECONDS = 14 * 24 * 3600;

/** ID Tokens when the client sets no `id_token_lifetime`. */
export const DEFAULT_ID_TOKEN_LIFETIME_SECONDS = 3600;
