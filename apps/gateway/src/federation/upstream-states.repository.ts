import { Inject, Injectable } from '@nestjs/common';
import { KV_TOKEN, type KvStore } from '@latchkey/kv';
import { sha256Base64Url } from '@latchkey/oauth';

/** The upstream leg of one sign-in, stored under its `state` until the callback takes it. */
export interface UpstreamState {
  provider_id: string;
  interaction_id: string;
  nonce: string;
  code_verifier: string;
  redirect_uri: string;
}

/**
 * Pending upstream sign-ins in the KV store under the hash of their `state` (so the store does
 * not hold the value an attacker would need), single use: the callback takes them with GETDEL,
 * so a replayed callback finds nothing.
 */
@Injectable()
export class UpstreamStatesRepository {
  constructor(@Inject(KV_TOKEN) private readonly kv: KvStore) {}

  async save(state: string, record: UpstreamState, ttlMs: number): Promise<void> {
    const stored = await this.kv.setIfAbsent(keyOf(state), JSON.stringify(record), ttlMs);
    if (!stored) throw new Error('upstream state collision');
  }

  async take(state: string): Promise<UpstreamState | null> {
    const raw = await this.kv.getDel(keyOf(state));
    if (raw === null) return null;
    try {
      const record = JSON.parse(raw) as UpstreamState;
      return typeof record?.provider_id === 'string' ? record : null;
    } catch {
      return null;
    }
  }
}

function keyOf(state: string): string {
  return `gateway:upstream-state:${sha256Base64Url(state)}`;
}
