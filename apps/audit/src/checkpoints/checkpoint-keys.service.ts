import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import {
  type CheckpointSigningKey,
  publicCheckpointJwk,
  readCheckpointSigningKey,
} from '@latchkey/audit-chain';
import { type AuditKeysResponse, auditEventKeyJwk } from '@latchkey/contracts';
import { CHECKPOINTS_CONFIG, type CheckpointsConfig } from './checkpoints.config';

/**
 * The audit service's checkpoint keys, from configuration only: the JWKS a verifier trusts must
 * not come from the database whose rows it is meant to check.
 */
@Injectable()
export class CheckpointKeys implements OnModuleInit {
  private readonly logger = new Logger(CheckpointKeys.name);
  private signing?: CheckpointSigningKey;
  private published: AuditKeysResponse = { keys: [] };

  constructor(@Inject(CHECKPOINTS_CONFIG) private readonly config: CheckpointsConfig) {}

  async onModuleInit(): Promise<void> {
    if (this.config.checkpointKey) {
      this.signing = await readCheckpointSigningKey(this.config.checkpointKey);
    } else {
      this.logger.warn('AUDIT_CHECKPOINT_KEY is not set: no signed checkpoints are taken');
    }
    const previous = await Promise.all(
      this.config.previousCheckpointKeys.map((key) => publicCheckpointJwk({ x: key.x })),
    );
    const keys = [...(this.signing ? [this.signing.publicJwk] : []), ...previous];
    // A previous key listed twice, or equal to the current one, is published once.
    this.published = {
      keys: keys.filter((k, i) => keys.findIndex((o) => o.kid === k.kid) === i),
      // So that an export verifies each event's signature offline (docs/audit.md).
      event_keys: this.config.eventKeys.map(auditEventKeyJwk),
    };
  }

  /** The key that signs new checkpoints; undefined when none is configured. */
  signingKey(): CheckpointSigningKey | undefined {
    return this.signing;
  }

  /**
   * The current key and the replaced ones that may have signed stored checkpoints, and the keys
   * the services sign events with.
   */
  jwks(): AuditKeysResponse {
    return this.published;
  }
}
