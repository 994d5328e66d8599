import { Inject, Injectable } from '@nestjs/common';
import { KV_TOKEN, type KvStore } from '@latchkey/kv';
import { SESSION_ABSOLUTE_LIFETIME_MS, type SsoSession } from './sso-session';

/** A session with the store key it lives under (the hash of its cookie's secret id). */
export interface StoredSession {
  key: string;
  session: SsoSession;
}

/**
 * SSO sessions in the KV store: `gateway:session:<sha256 of the secret id>` → session JSON, and
 * per user `gateway:user-session-set:<sub>` → a set of their session keys, so that all of a user's
 * sessions can be ended at once (user disabled, logout everywhere). Each index entry lives as long
 * as its session can (the absolute lifetime) and is added or removed by one atomic KV step, so
 * concurrent sign-ins of one user never contend and a sign-in costs the same however many
 * sessions the user has (docs/architecture.md §2).
 */
@Injectable()
export class SessionsRepository {
  constructor(@Inject(KV_TOKEN) private readonly kv: KvStore) {}

  async find(key: string): Promise<SsoSession | null> {
    return parseSession(await this.kv.get(sessionKey(key)));
  }

  /**
   * Indexes a new session under its user, then stores it: indexed first, so that a session that
   * exists can always be found to be ended (a dangling index entry is harmless).
   */
  async create(key: string, session: SsoSession, ttlMs: number): Promise<void> {
    await this.kv.setAdd(indexKey(session.sub), key, SESSION_ABSOLUTE_LIFETIME_MS);
    await this.kv.set(sessionKey(key), JSON.stringify(session), ttlMs);
  }

  /** Writes back activity (a new TTL). */
  async save(key: string, session: SsoSession, ttlMs: number): Promise<void> {
    await this.kv.set(sessionKey(key), JSON.stringify(session), ttlMs);
  }

  async delete(key: string, sub?: string): Promise<void> {
    await this.kv.del(sessionKey(key));
    if (sub !== undefined) await this.kv.setRemove(indexKey(sub), key);
  }

  /** Deletes every session of the user; answers how many were still alive. */
  async deleteAllOf(sub: string): Promise<number> {
    return (await this.takeAllOf(sub)).length;
  }

  /** The user's sessions that still exist, with their keys, from the user's index. */
  async listOf(sub: string): Promise<StoredSession[]> {
    const keys = await this.kv.setMembers(indexKey(sub));
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
    const keys = [...(await this.kv.setTake(indexKey(sub))), ...(await this.takeLegacyIndex(sub))];
    const taken: StoredSession[] = [];
    for (const key of keys) {
      const session = parseSession(await this.kv.getDel(sessionKey(key)));
      if (session?.sub === sub) taken.push({ key, session });
    }
    return taken;
  }

  /**
   * The index as it was written before it became a set (a JSON list under another key). Kept
   * until such an index can no longer exist: one absolute session lifetime after the upgrade.
   */
  private async takeLegacyIndex(sub: string): Promise<string[]> {
    const raw = await this.kv.getDel(`gateway:user-sessions:${sub}`);
    if (raw === null) return [];
    try {
      const value: unknown = JSON.parse(raw);
      return Array.isArray(value) ? value.filter((k): k is string => typeof k === 'string') : [];
    } catch {
      return [];
    }
  }
}

function sessionKey(key: string): string {
  return `gateway:session:${key}`;
}

function indexKey(sub: string): string {
  return `gateway:user-session-set:${sub}`;
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
