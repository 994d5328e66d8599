import type { AuditSettings } from '@latchkey/config';

/** DI token of the {@link CheckpointsConfig}. */
export const CHECKPOINTS_CONFIG = 'LATCHKEY_AUDIT_CHECKPOINTS_CONFIG';

/** What the checkpoints read from the platform configuration. */
export interface CheckpointsConfig extends Pick<
  AuditSettings,
  'checkpointKey' | 'previousCheckpointKeys' | 'checkpointIntervalSeconds'
> {
  /** The installation's issuer, signed into every checkpoint. */
  issuer: string;
}
