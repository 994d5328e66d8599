import { Injectable } from '@nestjs/common';

/** Why a user's access is being ended. */
export type UserAccessEndReason = 'disabled' | 'deleted';

export interface UserAccessEnded {
  sub: string;
  reason: UserAccessEndReason;
}

export type UserAccessEndedListener = (event: UserAccessEnded) => Promise<void> | void;

/**
 * In-process notifications about users, for the parts of the gateway that hold per-user state
 * (SSO sessions in the KV store). A listener subscribes once, e.g. in its constructor:
 *
 *   events.onAccessEnded(({ sub }) => this.sessions.endAllFor(sub));
 *
 * Listeners are awaited and must be idempotent: the admin API retries the whole step (and so
 * calls them again) when any part of it failed. One process is enough: sessions live in the
 * shared store, so whichever replica serves the admin request ends them for all.
 */
@Injectable()
export class UserEvents {
  private readonly accessEndedListeners = new Set<UserAccessEndedListener>();

  /** Subscribes; the answer unsubscribes. */
  onAccessEnded(listener: UserAccessEndedListener): () => void {
    this.accessEndedListeners.add(listener);
    return () => this.accessEndedListeners.delete(listener);
  }

  /**
   * Runs every listener, all of them even when one fails (end as much access as possible), then
   * rejects with the first failure.
   */
  async accessEnded(event: UserAccessEnded): Promise<void> {
    const results = await Promise.allSettled(
      [...this.accessEndedListeners].map(async (listener) => listener({ ...event })),
    );
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }
}
