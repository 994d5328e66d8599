import { revokedJtiKey } from '@latchkey/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { KV_TOKEN, type KvStore } from '@latchkey/kv';
import { Clock } from '@latchkey/core';

/**
 * Kept past a revoked token's `exp`: verifiers allow no clock tolerance (libs/oauth
 * ACCESS_TOKEN_CLOCK_TOLERANCE_SECONDS), but a replica's clock may lag this one's; the entry must
 * outlive every verifier's idea of the token's life.
 */
export const REVOKED_JTI_MARGIN_SECONDS = 60;

/**
 * The access-token denylist (RFC 7009 §2): JWT access tokens cannot be recalled, so a revoked
 * one is remembered by its `jti` in the KV store (shared by every replica) until it would have
 * expired anyway: `revoked:jti:<jti>`. Validation and introspection consult it. A store that
 * cannot answer fails closed (503): a revoked token must never pass because Redis is down.
 */
@Injectable()
export class RevokedAccessTokens {
  constructor(
    @Inject(KV_TOKEN) private readonly kv: KvStore,
    private readonly clock: Clock,
  ) {}

  /** Revokes the token with this `jti` until its `exp` (seconds since the epoch). */
  async revoke(jti: string, exp: number): Promise<void> {
    const ttlMs = (exp + REVOKED_JTI_MARGIN_SECONDS) * 1000 - this.clock.now().getTime();
    if (ttlMs <= 0) return;
    await this.kv.set(revokedJtiKey(jti), '1', ttlMs);
  }

  async isRevoked(jti: string): Promise<boolean> {
    return (await this.kv.get(revokedJtiKey(jti))) !== null;
  }
}
