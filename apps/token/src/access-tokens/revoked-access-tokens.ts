import { revokedJtiKey } from '@latchkey/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { KV_TOKEN, type KvStore } from '@latchkey/kv';
import { Clock } from '@latchkey/core';
import type { EntityManager } from 'typeorm';
import { RevokedAccessTokensRepository } from './revoked-access-tokens.repository';

/**
 * Kept past a revoked token's `exp`: verifiers allow no clock tolerance (libs/oauth
 * ACCESS_TOKEN_CLOCK_TOLERANCE_SECONDS), but a replica's clock may lag this one's; the entry must
 * outlive every verifier's idea of the token's life.
 */
export const REVOKED_JTI_MARGIN_SECONDS = 60;

/**
 * The access-token denylist (RFC 7009 §2): JWT access tokens cannot be recalled, so a revoked
 * one is remembered by its `jti` until it would have expired anyway. Readers (validation,
 * introspection, the gateway's admin guard) check the KV store (shared by every replica):
 * `revoked:jti:<jti>`. Those entries are a cache of the rows in `token.revoked_access_tokens`,
 * rebuilt from them when the store loses them (docs/architecture.md §2.3). A store that cannot
 * answer fails closed (503): a revoked token must never pass because Redis is down.
 */
@Injectable()
export class RevokedAccessTokens {
  constructor(
    @Inject(KV_TOKEN) private readonly kv: KvStore,
    private readonly clock: Clock,
    private readonly repo: RevokedAccessTokensRepository,
  ) {}

  /**
   * Revokes the token with this `jti` until its `exp` (seconds since the epoch): the KV entry
   * first, so that it is refused everywhere at once, then the durable row, in one transaction
   * with what `alongside` writes (the revocation's audit record). An expired token only gets
   * `alongside`.
   */
  async revoke(
    jti: string,
    exp: number,
    alongside: (em: EntityManager) => Promise<unknown> = async () => undefined,
  ): Promise<void> {
    const expiresAt = new Date((exp + REVOKED_JTI_MARGIN_SECONDS) * 1000);
    const live = await this.cache({ jti, expiresAt });
    await this.repo.transaction(async (em) => {
      if (live) await this.repo.insert(em, { jti, expiresAt });
      await alongside(em);
    });
  }

  /** Writes the KV entry of a revocation until `expiresAt`; false when that has passed. */
  async cache(revocation: { jti: string; expiresAt: Date }): Promise<boolean> {
    const ttlMs = revocation.expiresAt.getTime() - this.clock.now().getTime();
    if (ttlMs <= 0) return false;
    await this.kv.set(revokedJtiKey(revocation.jti), '1', ttlMs);
    return true;
  }

  async isRevoked(jti: string): Promise<boolean> {
    return (await this.kv.get(revokedJtiKey(jti))) !== null;
  }
}
