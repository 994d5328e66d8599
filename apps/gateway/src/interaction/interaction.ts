import type { AuthenticatedUser } from '../authorize/authorization-decision';
import type { AuthorizationRequest } from '../authorize/authorization-request';

/** How long a user has to finish signing in and consenting. */
export const INTERACTION_TTL_MS = 10 * 60_000;

/**
 * A pending authorization request while the user signs in or consents. Lives in the KV store
 * (any gateway replica can serve any step) under its id, which the login and consent URLs carry.
 */
export interface Interaction {
  id: string;
  /**
   * sha256 of the browser cookie this interaction belongs to; the id alone is not enough to
   * continue it. Null until bound: a cross-site form POST to /authorize carries no cookies, so it
   * is bound when the browser comes back with a top-level GET.
   */
  browser: string | null;
  /** Double-submit token of the login and consent forms. */
  csrf: string;
  /** ms since the epoch. */
  created_at: number;
  request: AuthorizationRequest;
  /** Shown on the pages. */
  client_name: string;
  /** Set once the user is known: from the SSO session, or signed in during this interaction. */
  user?: AuthenticatedUser;
  /** Whether the user has signed in during this interaction (prompt=login and max_age met). */
  logged_in_here?: boolean;
}

/** The parts of an interaction the pages need, for the URLs they post to. */
export function interactionQuery(id: string): string {
  return `interaction=${encodeURIComponent(id)}`;
}
