import { Inject, Injectable } from '@nestjs/common';
import { KV_TOKEN, type KvStore } from '@latchkey/kv';

/** How long the confirmation page stays valid. */
export const LOGOUT_REQUEST_TTL_MS = 10 * 60_000;

/** Ids are ours (randomToken): anything else is not looked up. */
const LOGOUT_REQUEST_ID = /^[A-Za-z0-9_-]{16,128}$/;

/** A logout waiting for the user to confirm it on the page. */
export interface PendingLogout {
  id: string;
  /** The confirmation form's hidden token. */
  csrf: string;
  /** Store key of the session the user is asked about: a different session is not ended. */
  session_key: string;
  /** The post-logout redirect (with state), when the client asked for a valid one. */
  done?: string;
}

/** Pending logouts as JSON under `gateway:logout:<id>`, expiring on their own. */
@Injectable()
export class LogoutRequestsRepository {
  constructor(@Inject(KV_TOKEN) private readonly kv: KvStore) {}

  async create(pending: PendingLogout): Promise<void> {
    const stored = await this.kv.setIfAbsent(
      keyOf(pending.id),
      JSON.stringify(pending),
      LOGOUT_REQUEST_TTL_MS,
    );
    if (!stored) throw new Error('logout request id collision');
  }

  async find(id: string): Promise<PendingLogout | null> {
    if (!LOGOUT_REQUEST_ID.test(id)) return null;
    return parse(await this.kv.get(keyOf(id)));
  }

  async delete(id: string): Promise<void> {
    await this.kv.del(keyOf(id));
  }
}

function keyOf(id: string): string {
  return `gateway:logout:${id}`;
}

function parse(raw: string | null): PendingLogout | null {
  if (raw === null) return null;
  try {
    const value = JSON.parse(raw) as Partial<PendingLogout> | null;
    return value &&
      typeof value.id === 'string' &&
      typeof value.csrf === 'string' &&
      typeof value.session_key === 'string'
      ? (value as PendingLogout)
      : null;
  } catch {
    return null;
  }
}
