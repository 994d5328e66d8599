import { consoleKvLogger, type KvLogger, type KvStore } from './kv.store';
import { MemoryKvBacking, MemoryKvStore } from './memory.kv-store';
import { RedisKvStore } from './redis.kv-store';

export interface KvStoreOptions {
  /** `redis://...`: Redis. Unset: the process-wide shared memory store (embedded mode). */
  redisUrl?: string;
  /** Namespace for this store's keys, e.g. `latchkey:`. Services that hand keys to each other
   * (codes issued by token, redeemed through the gateway) must use the same prefix. */
  prefix: string;
  /** Clock of the shared memory store (frozen-clock e2e tests); must be the same for every caller. */
  now?: () => number;
  logger?: KvLogger;
}

/**
 * The one memory map of the process. Embedded mode runs the four services in one process; they
 * share it as they would share Redis, so a code issued by one is redeemable through another.
 * Reference-counted: when the last store on it closes, it is emptied and its timer stopped.
 */
let shared: { backing: MemoryKvBacking; refs: number } | undefined;

export function createKvStore(options: KvStoreOptions): KvStore {
  if (options.redisUrl) {
    return new RedisKvStore({
      url: options.redisUrl,
      prefix: options.prefix,
      logger: options.logger ?? consoleKvLogger,
    });
  }
  if (!shared) {
    shared = { backing: new MemoryKvBacking(options.now ?? Date.now), refs: 0 };
  } else if (options.now && options.now !== shared.backing.now) {
    throw new Error('createKvStore: the shared memory store already runs on another clock');
  }
  const current = shared;
  current.refs += 1;
  return new MemoryKvStore({
    prefix: options.prefix,
    backing: current.backing,
    onClose: () => {
      current.refs -= 1;
      if (current.refs === 0 && shared === current) {
        current.backing.dispose();
        shared = undefined;
      }
    },
  });
}
