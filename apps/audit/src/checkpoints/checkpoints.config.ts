import type { AuditSettings } from '@latchkey/config';
import type { AuditVerificationKey } from '@latchkey/contracts';

/** DI token of the {@link CheckpointsConfig}. */
export const CHECKPOINTS_CONFIG = 'LATCHKEY_AUDIT_CHECKPOINTS_CONFIG';

/** What the checkpoints read from the platform configuration. */
export interface CheckpointsConfig extends Pick<
  AuditSettings,
  'checkpointKey' | 'previousCheckpointKeys' | 'checkpointIntervalSeconds'
> {
  /** The installation's issuer, signed into every checkpoint. */
  issuer: string;
  /** The services' event keys (AUDIT_EVENT_PUBLIC_KEYS), published beside the checkpoint keys. */
  eventKeys: readonly AuditVerificationKey[];
}
