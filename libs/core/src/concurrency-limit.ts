/**
 * Runs at most `limit` tasks at once; the others wait in arrival order. For work whose cost is
 * memory held while it runs (a password hash), where more in flight than there are cores buys no
 * throughput, only memory.
 */
export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error('limit must be a positive integer');
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // The slot passes to the next task as it is: `running` stays counted for it.
      if (next) next();
      else this.running -= 1;
    }
  }
}
