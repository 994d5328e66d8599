import type { KeyRotationConfig } from '@latchkey/config';
import { LIFETIME_BOUNDS } from '@latchkey/oauth';
import type { SigningKeyEntity } from './signing-key.entity';
import { ACTIVE_KEY_CACHE_MS } from './signing-keys.service';

/**
 * The longest any token we sign can live: access and ID Token lifetimes are bounded by client
 * and resource metadata (a day); logout tokens and introspection responses live minutes.
 */
export const MAX_SIGNED_TOKEN_LIFETIME_SECONDS = Math.max(
  LIFETIME_BOUNDS.access_token_lifetime.max,
  LIFETIME_BOUNDS.id_token_lifetime.max,
);

/**
 * Kept on top of that: a replica may sign with the old key until its active-key cache expires,
 * and verifiers allow some clock skew.
 */
export const RETIRED_KEY_MARGIN_SECONDS = 5 * 60 + Math.ceil(ACTIVE_KEY_CACHE_MS / 1000);

/** What one rotation step should do, decided from the key rows and the time. */
export interface RotationPlan {
  /** Next keys whose time has come: they become active, the active key of their alg retires. */
  promote: { alg: string; kid: string; previousKid?: string }[];
  /** Algorithms whose active key is older than the rotation interval and have no next key. */
  rotate: string[];
  /** Retired keys past `publish_until`: nothing they signed is alive; delete them. */
  purge: string[];
}

/** A key row's activation time: `activate_at`, or its creation for a key created active. */
export function activeSince(key: Pick<SigningKeyEntity, 'activateAt' | 'createdAt'>): Date {
  return key.activateAt ?? key.createdAt;
}

/** When a key inserted now as `next` becomes active: after one JWKS cache lifetime. */
export function activationTime(now: Date, config: KeyRotationConfig): Date {
  return new Date(now.getTime() + config.publishAheadSeconds * 1000);
}

/**
 * How long a key retired now stays in the JWKS: until every token it signed has expired (the
 * longest lifetime, plus the margin).
 */
export function retiredKeyPublishUntil(now: Date): Date {
  return new Date(
    now.getTime() + (MAX_SIGNED_TOKEN_LIFETIME_SECONDS + RETIRED_KEY_MARGIN_SECONDS) * 1000,
  );
}

/** Scheduled rotation: on, and the active key has signed for a whole interval. */
export function isRotationDue(active: SigningKeyEntity, now: Date, config: KeyRotationConfig) {
  if (config.intervalHours <= 0) return false;
  return activeSince(active).getTime() + config.intervalHours * 3600_000 <= now.getTime();
}

export function isActivationDue(next: SigningKeyEntity, now: Date): boolean {
  return next.activateAt !== null && next.activateAt.getTime() <= now.getTime();
}

/**
 * The rotation step for `keys` at `now`, per algorithm: a due next key is promoted; otherwise,
 * with no next key pending, an active key older than the interval gets a successor. Pure, so that
 * it can run once without the lock (nothing to do: no lock taken) and again under it.
 */
export function planRotation(
  keys: readonly SigningKeyEntity[],
  now: Date,
  config: KeyRotationConfig,
): RotationPlan {
  const plan: RotationPlan = { promote: [], rotate: [], purge: [] };
  for (const alg of new Set(keys.map((key) => key.alg))) {
    const active = keys.find((key) => key.alg === alg && key.status === 'active');
    const next = keys.find((key) => key.alg === alg && key.status === 'next');
    if (next && isActivationDue(next, now)) {
      plan.promote.push({ alg, kid: next.kid, previousKid: active?.kid });
    } else if (!next && active && isRotationDue(active, now, config)) {
      plan.rotate.push(alg);
    }
  }
  plan.purge = keys
    .filter(
      (key) =>
        key.status === 'retired' &&
        key.publishUntil !== null &&
        key.publishUntil.getTime() <= now.getTime(),
    )
    .map((key) => key.kid);
  return plan;
}

export function isEmptyPlan(plan: RotationPlan): boolean {
  return plan.promote.length === 0 && plan.rotate.length === 0 && plan.purge.length === 0;
}
