import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { signCheckpoint, verifyCheckpoint } from '@latchkey/audit-chain';
import type {
  AuditCheckpoint,
  AuditCheckpointsResponse,
  AuditVerifyResponse,
} from '@latchkey/contracts';
import { encodeSeqCursor } from '@latchkey/core';
import { auditChainVerifyFailures } from '@latchkey/platform';
import type { DataSource } from 'typeorm';
import { AuditChain } from '../chain/audit-chain.service';
import { AuditEventsRepository } from '../chain/audit-events.repository';
import { CheckpointKeys } from './checkpoint-keys.service';
import { CHECKPOINTS_CONFIG, type CheckpointsConfig } from './checkpoints.config';
import { CheckpointsRepository } from './checkpoints.repository';

/** Checkpoints compared per query while verifying. */
const CHECK_BATCH_SIZE = 500;

/** Where online verification stands before the checkpoints are compared. */
export interface CheckpointCheckInput {
  fromSeq: string;
  /** The last row the chain walk proved (undefined: none). */
  lastSeq?: string;
  /** Only checkpoints stored when the walk began (later ones may name rows it did not reach). */
  highWater?: string;
  /** The range was cut short by to_seq: rows after it were not walked. */
  bounded: boolean;
}

/**
 * Signed checkpoints of the chain head (docs/audit.md): taken on a schedule when the head moved,
 * listed for export, and compared with the chain when it is verified.
 */
@Injectable()
export class AuditCheckpoints {
  private readonly logger = new Logger(AuditCheckpoints.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: AuditEventsRepository,
    private readonly chain: AuditChain,
    private readonly checkpoints: CheckpointsRepository,
    private readonly keys: CheckpointKeys,
    @Inject(CHECKPOINTS_CONFIG) private readonly config: CheckpointsConfig,
  ) {}

  /**
   * Signs the chain head when it moved past the newest checkpoint (nothing without a key or a
   * row); answers the new checkpoint. Only what proves itself is signed: the row of the newest
   * checkpoint must still have its hash and every row after it must recompute and link, else
   * nothing is signed (a signature over forged rows would vouch for them) and the failure is
   * counted like any failed verification.
   */
  async take(now: Date = new Date()): Promise<AuditCheckpoint | undefined> {
    const key = this.keys.signingKey();
    if (!key) return undefined;
    const em = this.dataSource.manager;
    const latest = await this.checkpoints.latest(em);
    const verdict = await this.chain.verify({
      fromSeq: latest ? String(latest.seq + 1) : '1',
    });
    const anchored =
      !latest ||
      (await this.events.hashesAt(em, [String(latest.seq)])).get(String(latest.seq)) ===
        latest.hash;
    if (!verdict.valid || !anchored) {
      const reason = !anchored ? 'checkpoint_mismatch' : (verdict.reason ?? 'unknown');
      auditChainVerifyFailures().inc({ reason });
      this.logger.error(`audit chain does not verify (${reason}): no checkpoint signed`);
      return undefined;
    }
    if (verdict.last_seq === undefined || verdict.last_hash === undefined) return undefined;
    const checkpoint = await signCheckpoint(key, {
      iss: this.config.issuer,
      seq: verdict.last_seq,
      hash: verdict.last_hash,
      time: now.toISOString(),
    });
    await this.checkpoints.insert(em, checkpoint);
    return checkpoint;
  }

  async list(afterSeq: string, limit: number): Promise<AuditCheckpointsResponse> {
    const items = await this.checkpoints.after(this.dataSource.manager, afterSeq, limit + 1);
    const more = items.length > limit;
    return {
      items: items.slice(0, limit),
      next_cursor: more ? encodeSeqCursor(String(items[limit - 1].seq), 'after') : null,
    };
  }

  /** The newest checkpoint's seq now: verification compares only those stored before it walks. */
  highWater(): Promise<string | undefined> {
    return this.checkpoints.latestSeq(this.dataSource.manager);
  }

  /**
   * Each checkpoint in the walked range must be signed by a published key and name a row that
   * still has its hash; one past the walked head means rows were cut off. Answers the first
   * that fails.
   */
  async check(
    input: CheckpointCheckInput,
  ): Promise<
    Pick<AuditVerifyResponse, 'valid' | 'reason' | 'checkpoint_seq' | 'checkpoints_checked'>
  > {
    let checked = 0;
    if (input.highWater === undefined) return { valid: true, checkpoints_checked: 0 };
    const em = this.dataSource.manager;
    const jwks = this.keys.jwks();
    const upTo = input.bounded && input.lastSeq !== undefined ? input.lastSeq : input.highWater;
    let after = (BigInt(input.fromSeq) - 1n).toString();
    for (;;) {
      const batch = await this.checkpoints.after(em, after, CHECK_BATCH_SIZE, upTo);
      const hashes = await this.events.hashesAt(
        em,
        batch.map((c) => String(c.seq)),
      );
      for (const checkpoint of batch) {
        checked += 1;
        const failed = (reason: AuditVerifyResponse['reason']) => ({
          valid: false,
          reason,
          checkpoint_seq: checkpoint.seq,
          checkpoints_checked: checked,
        });
        if (await verifyCheckpoint(checkpoint, jwks, this.config.issuer)) {
          return failed('checkpoint_signature');
        }
        const hash = hashes.get(String(checkpoint.seq));
        if (hash === undefined) {
          const beyond =
            input.lastSeq === undefined || BigInt(checkpoint.seq) > BigInt(input.lastSeq);
          return failed(beyond ? 'checkpoint_beyond_head' : 'checkpoint_mismatch');
        }
        if (hash !== checkpoint.hash) return failed('checkpoint_mismatch');
      }
      if (batch.length < CHECK_BATCH_SIZE) break;
      after = String(batch[batch.length - 1].seq);
    }
    return { valid: true, checkpoints_checked: checked };
  }
}
