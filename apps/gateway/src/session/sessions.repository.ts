import { Inject, Injectable } from '@nestjs/common';
import { KV_TOKEN, type KvStore } from '@latchkey/kv';
import { SESSION_ABSOLUTE_LIFETIME_MS, type SsoSession } from './sso-session';

/** A session with the store key it lives under (the hash of its cookie's secret id). */
export interface StoredSession {
  key: string;
  session: SsoSession;
}

/** A user's session index is rewritten at most this often under contention before giving up. */
const INDEX_UPDATE_ATTEMPTS = 10;

/**
 * SSO sessions in the KV store: `gateway:session:<sha256 of the secret id>` → session JSON, and
 * per user `gateway:user-sessions:<sub>` → the list of their session keys, so that all of a
 * user's sessions can be ended at once (user disabled). The index is updated by compare-and-set;
 * entries of sessions that expired on their own are pruned when the index is next rewritten.
 */
@Injectable()
export class SessionsRepository {
  constructor(@Inject(KV_TOKEN) private readonly kv: KvStore) {}

  async find(key: string): Promise<SsoSession | null> {
    return parseSession(await this.kv.get(sessionKey(key)));
  }

  /** Stores a new session and indexes it under its user. */
  async create(key: string, session: SsoSession, ttlMs: number): Promise<void> {
    await this.kv.set(sessionKey(key), JSON.stringify(session), ttlMs);
    await this.updateIndex(session.sub, (keys) => [...keys, key]);
  }

  /** Writes back activity (a new TTL). */
  async save(key: string, session: SsoSession, ttlMs: number): Promise<void> {
    await this.kv.set(sessionKey(key), JSON.stringify(session), ttlMs);
  }

  async delete(key: string, sub?: string): Promise<void> {
    await this.kv.del(sessionKey(key));
    if (sub !== undefined) await this.updateIndex(sub, (keys) => keys.filter((k) => k !== key));
  }

  /** Deletes every session of the user; answers how many were still alive. */
  async deleteAllOf(sub: string): Promise<number> {
    return (await this.takeAllOf(sub)).length;
  }

  /** The user's sessions that still exist, with their keys, from the user's index. */
  async listOf(sub: string): Promise<StoredSession[]> {
    const keys = parseIndex(await this.kv.get(indexKey(sub)));
    const found = await Promise.all(
      keys.map(async (key) => ({ key, session: await this.find(key) })),
    );
    return found.filter((f): f is StoredSession => f.session?.sub === sub);
  }

  /**
   * Takes every session of the user out of the store (each by an atomic GETDEL, so a session
   * ended concurrently elsewhere is answered once) and answers those that were still alive.
   */
  async takeAllOf(sub: string): Promise<StoredSession[]> {
    const keys = parseIndex(await this.kv.getDel(indexKey(sub)));
    const taken: StoredSession[] = [];
    for (const key of keys) {
      const session = parseSession(await this.kv.getDel(sessionKey(key)));
      if (session?.sub === sub) taken.push({ key, session });
    }
    return taken;
  }

  private async updateIndex(sub: string, change: (keys: string[]) => string[]): Promise<void> {
    for (let attempt = 0; attempt < INDEX_UPDATE_ATTEMPTS; attempt++) {
      const raw = await this.kv.get(indexKey(sub));
      const alive = await this.alive(parseIndex(raw));
      const next = change(alive);
      // The index lives as long as the newest session can; expired entries are pruned here.
      if (
        await this.kv.compareAndSet(
          indexKey(sub),
          raw,
          JSON.stringify(next),
          SESSION_ABSOLUTE_LIFETIME_MS,
        )
      ) {
        return;
      }
    }
    throw new Error('the session index of a user could not be updated');
  }

  /** The keys whose sessions still exist. */
  private async alive(keys: string[]): Promise<string[]> {
    const exists = await Promise.all(
      keys.map(async (k) => (await this.kv.ttl(sessionKey(k))) !== null),
    );
    return keys.filter((_, i) => exists[i]);
  }
}

function sessionKey(key: string): string {
  return `gateway:session:${key}`;
}

function indexKey(sub: string): string {
  return `gateway:user-sessions:${sub}`;
}

function parseSession(raw: string | null): SsoSession | null {
  if (raw === null) return null;
  try {
    const session = JSON.parse(raw) as SsoSession | null;
    return session && typeof session.sub === 'string' ? session : null;
  } catch {
    return null;
  }
}

function parseIndex(raw: string | null): string[] {
  if (raw === null) return [];
  try {
    const value: unknown = JSON.parse(raw);
    return Array.isArray(value) ? value.filter((k): k is string => typeof k === 'string') : [];
  } catch {
    return [];
  }
}
