import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { AuditCheckpoints } from './audit-checkpoints.service';
import { CHECKPOINTS_CONFIG, type CheckpointsConfig } from './checkpoints.config';

/**
 * Takes a checkpoint every AUDIT_CHECKPOINT_INTERVAL_SECONDS in every replica; replicas that sign
 * the same head store one row. A failed tick is logged and retried at the next one.
 */
@Injectable()
export class CheckpointScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CheckpointScheduler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly checkpoints: AuditCheckpoints,
    @Inject(CHECKPOINTS_CONFIG) private readonly config: CheckpointsConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.checkpointIntervalSeconds === 0 || !this.config.checkpointKey) return;
    this.timer = setInterval(() => void this.tick(), this.config.checkpointIntervalSeconds * 1000);
    // Never what keeps the process alive.
    this.timer.unref();
  }

  /** Before the database closes: no new tick, and the one in flight finishes. */
  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  tick(): Promise<void> {
    this.running ??= this.checkpoints
      .take()
      .then(() => undefined)
      .catch((err: unknown) => {
        this.logger.warn(`audit checkpoint failed: ${(err as Error)?.message ?? String(err)}`);
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }
}
