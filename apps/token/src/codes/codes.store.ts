import { Inject, Injectable, Logger } from '@nestjs/common';
import { KV_TOKEN, type KvStore } from '@latchkey/kv';
import type { GrantOwner } from '../user-grants/user-grants.service';
import { type CodeBinding, parseCodeBinding } from './authorization-code';

/**
 * Codes in the KV store (Redis in production), keyed by the hash of the code so that a reader of
 * the store cannot redeem anything: `code:<hash>` holds the binding until it is taken, and
 * `code:redeemed:<hash>` remembers, after that, which grant the redemption started.
 */
@Injectable()
export class CodesStore {
  private readonly logger = new Logger(CodesStore.name);

  constructor(@Inject(KV_TOKEN) private readonly kv: KvStore) {}

  /** False only if the key is taken, which a 256-bit random code never meets in practice. */
  save(codeHash: string, binding: CodeBinding, ttlSeconds: number): Promise<boolean> {
    return this.kv.setIfAbsent(codeKey(codeHash), JSON.stringify(binding), ttlSeconds * 1000);
  }

  /** Reads and deletes the binding in one atomic step: of concurrent takers, one gets it. */
  async take(codeHash: string): Promise<CodeBinding | null> {
    const json = await this.kv.getDel(codeKey(codeHash));
    if (json === null) return null;
    const binding = parseCodeBinding(json);
    if (!binding) this.logger.error('an authorization code record could not be read');
    return binding;
  }

  async rememberRedemption(codeHash: string, owner: GrantOwner, ttlSeconds: number): Promise<void> {
    await this.kv.set(redeemedKey(codeHash), JSON.stringify(owner), ttlSeconds * 1000);
  }

  async findRedemption(codeHash: string): Promise<GrantOwner | null> {
    const json = await this.kv.get(redeemedKey(codeHash));
    if (json === null) return null;
    try {
      const owner = JSON.parse(json) as Partial<GrantOwner> | null;
      if (
        typeof owner?.grantId === 'string' &&
        typeof owner.clientId === 'string' &&
        typeof owner.sub === 'string'
      ) {
        return { grantId: owner.grantId, clientId: owner.clientId, sub: owner.sub };
      }
    } catch {
      // fall through
    }
    this.logger.error('a redeemed-code record could not be read');
    return null;
  }
}

function codeKey(codeHash: string): string {
  return `code:${codeHash}`;
}

function redeemedKey(codeHash: string): string {
  return `code:redeemed:${codeHash}`;
}
