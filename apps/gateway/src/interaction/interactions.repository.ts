import { Inject, Injectable } from '@nestjs/common';
import { KV_TOKEN, type KvStore } from '@latchkey/kv';
import { INTERACTION_TTL_MS, type Interaction } from './interaction';

/** Ids are ours (randomToken): anything else is not looked up. */
const INTERACTION_ID = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * Interactions in the KV store, JSON under `gateway:interaction:<id>`, expiring with the
 * interaction. Updates are compare-and-set so that two tabs (or a double submit) cannot overwrite
 * each other's step, and finishing one is an atomic GETDEL, so it is finished once.
 */
@Injectable()
export class InteractionsRepository {
  constructor(@Inject(KV_TOKEN) private readonly kv: KvStore) {}

  async create(interaction: Interaction): Promise<void> {
    const stored = await this.kv.setIfAbsent(
      keyOf(interaction.id),
      JSON.stringify(interaction),
      INTERACTION_TTL_MS,
    );
    if (!stored) throw new Error('interaction id collision');
  }

  /** The interaction, or null when unknown or expired. */
  async find(id: string): Promise<{ interaction: Interaction; raw: string } | null> {
    if (!INTERACTION_ID.test(id)) return null;
    const raw = await this.kv.get(keyOf(id));
    const interaction = raw === null ? null : parse(raw);
    return interaction && raw !== null ? { interaction, raw } : null;
  }

  /** Replaces `previous` (as read) with `next`, keeping the TTL; false if it changed meanwhile. */
  replace(previous: string, next: Interaction): Promise<boolean> {
    return this.kv.compareAndSet(keyOf(next.id), previous, JSON.stringify(next));
  }

  /** Takes the interaction out of the store: of concurrent callers exactly one gets it. */
  async claim(id: string): Promise<Interaction | null> {
    if (!INTERACTION_ID.test(id)) return null;
    const raw = await this.kv.getDel(keyOf(id));
    return raw === null ? null : parse(raw);
  }

  /** Puts a claimed interaction back (the step failed for a reason the user can retry). */
  async restore(interaction: Interaction, now: number): Promise<void> {
    const remaining = interaction.created_at + INTERACTION_TTL_MS - now;
    if (remaining > 0) {
      await this.kv.setIfAbsent(keyOf(interaction.id), JSON.stringify(interaction), remaining);
    }
  }
}

function keyOf(id: string): string {
  return `gateway:interaction:${id}`;
}

function parse(raw: string): Interaction | null {
  try {
    const value = JSON.parse(raw) as Interaction | null;
    return value && typeof value.id === 'string' && typeof value.csrf === 'string' ? value : null;
  } catch {
    return null;
  }
}
