/**
 * FIFO mutex handing out PGlite's single connection. Waiters are served in arrival order so a busy
 * service cannot starve another, and each wait can time out or be aborted (its pool ended).
 */
export class ConnectionLock {
  private held = false;
  private readonly queue: Array<{ grant: () => void }> = [];

  get isHeld(): boolean {
    return this.held;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves with an idempotent release function once the caller owns the connection. */
  acquire(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<() => void> {
    const { timeoutMs, signal } = options;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (!this.held) {
      this.held = true;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = {
        grant: () => {
          cleanup();
          resolve(this.releaser());
        },
      };
      const fail = (error: Error) => {
        const index = this.queue.indexOf(waiter);
        if (index >= 0) this.queue.splice(index, 1);
        cleanup();
        reject(error);
      };
      const onAbort = () => fail(abortError(signal));
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      if (timeoutMs !== undefined && timeoutMs > 0) {
        timer = setTimeout(
          () =>
            fail(
              new Error(
                `PGlite pool: timed out after ${timeoutMs} ms waiting for the connection. PGlite has one ` +
                  'connection: a second query runner used while another holds it (e.g. a repository ' +
                  'outside the transaction manager inside a transaction) waits forever.',
              ),
            ),
          timeoutMs,
        );
        timer.unref();
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next.grant();
      else this.held = false;
    };
  }
}

function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error
    ? reason
    : new Error('Cannot use a pool after calling end on the pool');
}
