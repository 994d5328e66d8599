/** After this long a session ends, however active (a new sign-in starts a new one). */
export const SESSION_ABSOLUTE_LIFETIME_MS = 12 * 60 * 60_000;
/** A session unused for this long ends. */
export const SESSION_IDLE_TIMEOUT_MS = 2 * 60 * 60_000;
/** Activity is written back at most this often (not on every request). */
export const SESSION_TOUCH_INTERVAL_MS = 60_000;

/**
 * An SSO session as stored in the KV store under the hash of its secret id (the cookie value), so
 * that reading the store does not yield cookies.
 */
export interface SsoSession {
  /** Public id, safe to show to clients (id_token `sid`); not the cookie value. */
  sid: string;
  sub: string;
  /** Seconds since the epoch of the sign-in (OIDC `auth_time`). */
  auth_time: number;
  /** RFC 8176 methods, e.g. ["pwd"]. */
  amr: string[];
  /** The upstream's authentication context class, when the user signed in through one. */
  acr?: string;
  /** The upstream identity provider's id (docs/identity-providers.md), when there was one. */
  idp?: string;
  /** ms since the epoch. */
  created_at: number;
  last_active: number;
}

/** Whether the session is within both its absolute lifetime and its idle timeout. */
export function isSessionActive(session: SsoSession, now: number): boolean {
  return (
    now - session.created_at < SESSION_ABSOLUTE_LIFETIME_MS &&
    now - session.last_active < SESSION_IDLE_TIMEOUT_MS
  );
}

/** How long the stored record may live from now: until idle or absolute expiry, whichever first. */
export function sessionTtlMs(session: SsoSession, now: number): number {
  return Math.min(
    session.created_at + SESSION_ABSOLUTE_LIFETIME_MS - now,
    session.last_active + SESSION_IDLE_TIMEOUT_MS - now,
  );
}

/** Whether activity should be written back (throttled). */
export function shouldTouch(session: SsoSession, now: number): boolean {
  return now - session.last_active >= SESSION_TOUCH_INTERVAL_MS;
}

/** When the session ends unless used again (ms since the epoch): idle or absolute expiry. */
export function sessionExpiresAt(session: SsoSession): number {
  return Math.min(
    session.created_at + SESSION_ABSOLUTE_LIFETIME_MS,
    session.last_active + SESSION_IDLE_TIMEOUT_MS,
  );
}
