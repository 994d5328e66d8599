import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { KeyRotationService } from './key-rotation.service';

/**
 * How often every replica checks the keys: a promotion happens at most this long after its
 * `activate_at`. One small SELECT per tick when there is nothing to do.
 */
export const KEY_ROTATION_TICK_MS = 30_000;

/**
 * Runs the rotation step on a timer in every replica; the step itself makes replicas agree (an
 * advisory lock, and a plan made again under it). A failed tick is logged and retried at the
 * next one.
 */
@Injectable()
export class KeyRotationScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(KeyRotationScheduler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly rotation: KeyRotationService) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), KEY_ROTATION_TICK_MS);
    // Never what keeps the process alive.
    this.timer.unref();
  }

  /** Before the database closes: no new tick, and the one in flight finishes. */
  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One step unless the previous one is still running. */
  tick(): Promise<void> {
    this.running ??= this.rotation
      .step()
      .then(() => undefined)
      .catch((err: unknown) => {
        this.logger.warn(`key rotation step failed: ${(err as Error)?.message ?? String(err)}`);
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }
}
