import Redis, { type RedisOptions } from 'ioredis';
import {
  consoleKvLogger,
  KvUnavailableError,
  normalizeTtl,
  type KvLogger,
  type KvStore,
} from './kv.store';

export interface RedisKvStoreOptions {
  /** `redis://` or `rediss://` URL. */
  url: string;
  /** Namespace prepended to every key, e.g. `latchkey:`. */
  prefix?: string;
  /** A command without a reply within this time fails (default 2000 ms). */
  commandTimeoutMs?: number;
  /** TCP connect timeout of each (re)connection attempt (default 5000 ms). */
  connectTimeoutMs?: number;
  /** How long an operation waits for a connection attempt already under way (default 1000 ms). */
  readyWaitMs?: number;
  logger?: KvLogger;
  /** Extra ioredis options (TLS, username...). The failure-handling options above win. */
  redisOptions?: RedisOptions;
}

/**
 * Compare-and-set. ARGV: [1] '1' when the key must be absent, [2] expected, [3] next,
 * [4] TTL in ms or '' to keep the current TTL.
 */
const CAS_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current then return 0 end
elseif current ~= ARGV[2] then
  return 0
end
if ARGV[4] ~= '' then
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
elseif current then
  redis.call('SET', KEYS[1], ARGV[3], 'KEEPTTL')
else
  redis.call('SET', KEYS[1], ARGV[3])
end
return 1
`;

/**
 * Fixed-window counter: the TTL is set by the increment that creates the key (and repaired if a
 * counter somehow has none), never extended by later increments.
 */
const INCR_SCRIPT = `
local value = redis.call('INCR', KEYS[1])
if value == 1 or redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return value
`;

/** Gives back one count of an existing counter, never below 0; nil when the counter is absent. */
const DECR_SCRIPT = `
local value = redis.call('GET', KEYS[1])
if not value then return false end
local n = tonumber(value)
if n and n <= 0 then return 0 end
return redis.call('DECR', KEYS[1])
`;

/**
 * Sets of expiring members are sorted sets scored by each member's expiry (ms on the Redis
 * clock, so every replica agrees on what has expired).
 */
const NOW_MS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** ARGV: [1] member, [2] its TTL in ms. Adds, drops the expired, and keeps the key to its last member. */
const SET_ADD_SCRIPT = `${NOW_MS}
redis.call('ZADD', KEYS[1], string.format('%.0f', now + tonumber(ARGV[2])), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now))
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1
`;

const SET_MEMBERS_SCRIPT = `${NOW_MS}
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. string.format('%.0f', now), '+inf')
`;

const SET_TAKE_SCRIPT = `${NOW_MS}
local members = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. string.format('%.0f', now), '+inf')
redis.call('DEL', KEYS[1])
return members
`;

interface ScriptCommands {
  latchkeyDecr(key: string): Promise<number | null>;
  latchkeySetAdd(key: string, member: string, ttl: string): Promise<number>;
  latchkeySetMembers(key: string): Promise<string[]>;
  latchkeySetTake(key: string): Promise<string[]>;
  latchkeyCas(
    key: string,
    absent: string,
    expected: string,
    next: string,
    ttl: string,
  ): Promise<number>;
  latchkeyIncr(key: string, ttl: string): Promise<number>;
}

/** Server replies that mean "not serving right now" rather than "bad command". */
const UNAVAILABLE_REPLY =
  /^(LOADING|MASTERDOWN|READONLY|CLUSTERDOWN|TRYAGAIN|BUSY|OOM|NOREPLICAS)\b/;

/**
 * {@link KvStore} on Redis (ioredis). Connects at construction and reconnects by itself forever with
 * capped backoff. While Redis is away nothing queues: every operation rejects at once (or after a
 * connection attempt already under way, at most `readyWaitMs`) with {@link KvUnavailableError};
 * a command whose connection drops fails rather than being resent, because GETDEL and INCR must not
 * run twice.
 */
export class RedisKvStore implements KvStore {
  private readonly client: Redis;
  private readonly scripts: ScriptCommands;
  private readonly prefix: string;
  private readonly readyWaitMs: number;
  private readonly logger: KvLogger;
  private readonly failureListeners: Array<() => void> = [];
  private lastError: string | undefined;
  private down = false;
  private closed = false;

  constructor(options: RedisKvStoreOptions) {
    this.prefix = options.prefix ?? '';
    this.readyWaitMs = options.readyWaitMs ?? 1_000;
    this.logger = options.logger ?? consoleKvLogger;
    this.client = new Redis(options.url, {
      ...options.redisOptions,
      lazyConnect: false,
      enableOfflineQueue: false,
      enableReadyCheck: true,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: options.commandTimeoutMs ?? 2_000,
      connectTimeout: options.connectTimeoutMs ?? 5_000,
      // close() ends a socket that may already be dead; ioredis then waits this long (ref'd).
      disconnectTimeout: 200,
      retryStrategy: (attempt) =>
        Math.min(100 * 2 ** Math.min(attempt, 5), 2_000) + Math.floor(Math.random() * 100),
    });
    this.client.defineCommand('latchkeyCas', { numberOfKeys: 1, lua: CAS_SCRIPT });
    this.client.defineCommand('latchkeyIncr', { numberOfKeys: 1, lua: INCR_SCRIPT });
    this.client.defineCommand('latchkeyDecr', { numberOfKeys: 1, lua: DECR_SCRIPT });
    this.client.defineCommand('latchkeySetAdd', { numberOfKeys: 1, lua: SET_ADD_SCRIPT });
    this.client.defineCommand('latchkeySetMembers', { numberOfKeys: 1, lua: SET_MEMBERS_SCRIPT });
    this.client.defineCommand('latchkeySetTake', { numberOfKeys: 1, lua: SET_TAKE_SCRIPT });
    this.scripts = this.client as unknown as ScriptCommands;

    // Without an 'error' listener ioredis prints every failed reconnect; log transitions only.
    this.client.on('error', (err: Error) => {
      this.failed();
      this.lastError = err.message;
      this.markDown(`Redis unavailable: ${err.message}`);
    });
    // A clean close (server shutdown, proxy cut) emits no 'error'.
    this.client.on('close', () => this.markDown('Redis connection lost; reconnecting'));
    this.client.on('ready', () => {
      if (this.down) this.logger.log('Redis connection restored');
      this.down = false;
      this.lastError = undefined;
    });
  }

  /** ioredis connection status (`ready` when usable). */
  get status(): string {
    return this.client.status;
  }

  /** Calls `listener` on every connection error and every command that failed (metrics). */
  onFailure(listener: () => void): void {
    this.failureListeners.push(listener);
  }

  get(key: string): Promise<string | null> {
    return this.run(() => this.client.get(this.key(key)));
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    const ttl = normalizeTtl(ttlMs);
    await this.run(() =>
      ttl === undefined
        ? this.client.set(this.key(key), value)
        : this.client.set(this.key(key), value, 'PX', ttl),
    );
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const ttl = normalizeTtl(ttlMs);
    const reply = await this.run(() => this.client.set(this.key(key), value, 'PX', ttl, 'NX'));
    return reply === 'OK';
  }

  getDel(key: string): Promise<string | null> {
    return this.run(() => this.client.getdel(this.key(key)));
  }

  async del(key: string): Promise<boolean> {
    return (await this.run(() => this.client.del(this.key(key)))) > 0;
  }

  async compareAndSet(
    key: string,
    expected: string | null,
    next: string,
    ttlMs?: number,
  ): Promise<boolean> {
    const ttl = normalizeTtl(ttlMs);
    const reply = await this.run(() =>
      this.scripts.latchkeyCas(
        this.key(key),
        expected === null ? '1' : '0',
        expected ?? '',
        next,
        ttl === undefined ? '' : String(ttl),
      ),
    );
    return Number(reply) === 1;
  }

  async incr(key: string, ttlMs: number): Promise<number> {
    const ttl = normalizeTtl(ttlMs);
    return Number(await this.run(() => this.scripts.latchkeyIncr(this.key(key), String(ttl))));
  }

  async decr(key: string): Promise<number | null> {
    const reply = await this.run(() => this.scripts.latchkeyDecr(this.key(key)));
    return reply === null ? null : Number(reply);
  }

  async setAdd(key: string, member: string, memberTtlMs: number): Promise<void> {
    const ttl = normalizeTtl(memberTtlMs);
    await this.run(() => this.scripts.latchkeySetAdd(this.key(key), member, String(ttl)));
  }

  async setRemove(key: string, member: string): Promise<boolean> {
    return (await this.run(() => this.client.zrem(this.key(key), member))) > 0;
  }

  setMembers(key: string): Promise<string[]> {
    return this.run(() => this.scripts.latchkeySetMembers(this.key(key)));
  }

  setTake(key: string): Promise<string[]> {
    return this.run(() => this.scripts.latchkeySetTake(this.key(key)));
  }

  async ttl(key: string): Promise<number | null> {
    const ms = await this.run(() => this.client.pttl(this.key(key)));
    if (ms === -2) return null;
    if (ms === -1) return Infinity;
    return ms;
  }

  async ping(): Promise<number> {
    const started = Date.now();
    await this.run(() => this.client.ping());
    return Date.now() - started;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.client.status === 'ready') await this.client.quit().catch(() => undefined);
    // Stops any reconnect timer too, so nothing keeps the process alive.
    if (this.client.status !== 'end') this.client.disconnect();
  }

  /** Nest calls this on shutdown when the store is a provider's value. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  private key(key: string): string {
    return this.prefix + key;
  }

  private markDown(message: string): void {
    if (this.down || this.closed) return;
    this.down = true;
    this.logger.warn(message);
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    await this.ready();
    try {
      return await command();
    } catch (err) {
      this.failed();
      throw this.mapError(err);
    }
  }

  private failed(): void {
    for (const listener of this.failureListeners) listener();
  }

  /** Sends only on a ready connection; waits briefly for an attempt already in progress. */
  private async ready(): Promise<void> {
    if (this.closed) throw new KvUnavailableError('key-value store closed');
    const status = this.client.status;
    if (status === 'ready') return;
    if (status !== 'wait' && status !== 'connecting' && status !== 'connect') {
      throw new KvUnavailableError(`Redis unavailable (${this.lastError ?? status})`);
    }
    await new Promise<void>((resolve, reject) => {
      const done = (error?: KvUnavailableError) => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        this.client.off('close', onClose);
        if (error) reject(error);
        else resolve();
      };
      const onReady = () => done();
      const onClose = () =>
        done(
          new KvUnavailableError(`Redis unavailable (${this.lastError ?? 'connection closed'})`),
        );
      const timer = setTimeout(
        () => done(new KvUnavailableError(`Redis not ready within ${this.readyWaitMs} ms`)),
        this.readyWaitMs,
      );
      timer.unref();
      this.client.once('ready', onReady);
      this.client.once('close', onClose);
    });
  }

  private mapError(err: unknown): unknown {
    const e = err as { name?: unknown; message?: unknown };
    const message = typeof e?.message === 'string' ? e.message : String(err);
    // A reply from a healthy server (WRONGTYPE, script error...) is a bug to surface, not a 503.
    if (e?.name === 'ReplyError' && !UNAVAILABLE_REPLY.test(message)) return err;
    return new KvUnavailableError(`Redis unavailable: ${message}`, { cause: err });
  }
}
