import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { KV_TOKEN, type KvStore } from '@latchkey/kv';
import { Clock } from '@latchkey/core';
import { RevokedAccessTokens } from './revoked-access-tokens';
import { RevokedAccessTokensRepository } from './revoked-access-tokens.repository';

/**
 * How often every replica checks that the KV store still holds the denylist: the longest a
 * revoked token may pass again after the store lost its keys without a token-service restart
 * (docs/architecture.md §2.3). One KV read and one indexed DELETE per tick.
 */
export const DENYLIST_CHECK_MS = 15_000;

/**
 * Present while the KV store holds every revocation: written before a rebuild, so that a store
 * emptied at any later moment (a Redis restart without persistence, FLUSHDB) is missing it at
 * the next check. Read only by the token service.
 */
export const DENYLIST_MARKER_KEY = 'revoked:restored';

/** Rows per query of a rebuild. */
const RESTORE_PAGE = 500;

/**
 * Rebuilds the KV entries of the access-token denylist from Postgres (docs/architecture.md
 * §2.3): at start, and at every check that finds the marker gone, in every replica (the rebuild
 * only writes what the rows say, so replicas may overlap). Also prunes expired rows.
 */
@Injectable()
export class RevokedAccessTokensRestorer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RevokedAccessTokensRestorer.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    @Inject(KV_TOKEN) private readonly kv: KvStore,
    private readonly clock: Clock,
    private readonly repo: RevokedAccessTokensRepository,
    private readonly denylist: RevokedAccessTokens,
  ) {}

  /** Before the service answers anything (a failure is retried at the next tick). */
  async onApplicationBootstrap(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), DENYLIST_CHECK_MS);
    // Never what keeps the process alive.
    this.timer.unref();
  }

  /** Before the database and the store close: no new tick, and the one in flight finishes. */
  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One check unless the previous one is still running; failures are logged, not thrown. */
  check(): Promise<void> {
    this.running ??= this.restoreIfLost()
      .catch((err: unknown) => {
        this.logger.warn(
          `denylist check failed: ${(err as Error)?.message ?? String(err)}; retried in ${DENYLIST_CHECK_MS} ms`,
        );
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async restoreIfLost(): Promise<void> {
    const now = this.clock.now();
    await this.repo.deleteExpired(now);
    if ((await this.kv.get(DENYLIST_MARKER_KEY)) !== null) return;
    // The marker before the entries: a store emptied during the rebuild loses it again.
    await this.kv.set(DENYLIST_MARKER_KEY, '1');
    let restored = 0;
    try {
      for (let after = ''; ;) {
        const page = await this.repo.findLive(now, after, RESTORE_PAGE);
        for (const revocation of page) {
          if (await this.denylist.cache(revocation)) restored += 1;
        }
        if (page.length < RESTORE_PAGE) break;
        after = page[page.length - 1]!.jti;
      }
    } catch (err) {
      // Incomplete: the next check must try again.
      await this.kv.del(DENYLIST_MARKER_KEY).catch(() => undefined);
      throw err;
    }
    this.logger.log(`access-token denylist rebuilt in the KV store: ${restored} revocations`);
  }
}
