import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import {
  AuditPublishError,
  type AuditPublisher,
  describeError,
} from '../publishers/audit-publisher';
import type { AuditOutboxRepository, OutboxRow } from './audit-outbox.repository';

export interface RelaySettings {
  /** How often the relay looks for due rows when nothing woke it (ms). */
  pollIntervalMs: number;
  /** Rows taken per read. */
  batchSize: number;
  /** First wait after the target failed; doubled per failure up to `maxBackoffMs`. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** How long a taken row is reserved for this relay (a relay that dies gives it up after this). */
  leaseMs: number;
  /** How long shutdown keeps delivering what is pending (ms). */
  shutdownFlushMs: number;
  /** Longest wait before retrying one event the target refused (ms). */
  maxRefusedRetryMs: number;
}

export const DEFAULT_RELAY_SETTINGS: RelaySettings = {
  pollIntervalMs: 1000,
  batchSize: 100,
  initialBackoffMs: 500,
  maxBackoffMs: 30_000,
  leaseMs: 30_000,
  shutdownFlushMs: 2000,
  maxRefusedRetryMs: 5 * 60_000,
};

type DrainOutcome = 'drained' | 'unavailable' | 'deadline';

/** How long the target may be unreachable before the relay says so at warn level. */
const OUTAGE_WARNING_MS = 10_000;

/**
 * Delivers the outbox, in the emitting process: wakes right after a record and every
 * `pollIntervalMs`, takes due rows in batches, publishes each batch in order and deletes a row only
 * after the target acknowledged it, so an event is never lost (at least once; the target drops
 * duplicates by event id). While the target is down it backs off exponentially; one event the
 * target refuses is retried later without holding up the others. On shutdown it delivers what it
 * can within `shutdownFlushMs`; the rest waits in the table for the next start.
 */
export class OutboxRelay {
  private readonly logger: Logger;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private timer?: NodeJS.Timeout;
  private cycle?: Promise<void>;
  private wakeRequested = false;
  private backoffMs = 0;
  /** When the current outage began (the first failed delivery since the last success). */
  private outageSince?: number;
  private outageReported = false;
  /** Rows this relay has leased and not yet delivered, retried or given back. */
  private readonly leased = new Set<string>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: AuditOutboxRepository,
    private readonly publisher: AuditPublisher,
    private readonly settings: RelaySettings,
    name: string,
  ) {
    this.logger = new Logger(`AuditRelay:${name}`);
  }

  /** True while the last delivery attempt found the target down. */
  get backingOff(): boolean {
    return this.backoffMs > 0;
  }

  start(): void {
    if (this.state !== 'new') return;
    this.state = 'running';
    this.schedule(0);
  }

  /** A new row is committed: deliver it now, unless the target is down (then the backoff decides). */
  wake(): void {
    if (this.state !== 'running' || this.backoffMs > 0) return;
    if (this.cycle) {
      this.wakeRequested = true;
      return;
    }
    this.schedule(0);
  }

  /** Stops the timer, finishes the cycle under way and flushes within the deadline. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    clearTimeout(this.timer);
    const deadline = Date.now() + this.settings.shutdownFlushMs;
    try {
      if (this.cycle) await withDeadline(this.cycle, this.settings.shutdownFlushMs);
      const left = deadline - Date.now();
      // One last try even while backing off: the target may be back since the last attempt. A
      // publish can outlast the deadline; the flush is abandoned then, its rows stay pending.
      if (wasRunning && left > 0) {
        const flush = this.drain(deadline).catch((err: unknown) => {
          this.logger.warn(`audit events left for the next start: ${describeError(err)}`);
        });
        await withDeadline(flush, left);
      }
    } catch (err) {
      this.logger.warn(`audit events left for the next start: ${describeError(err)}`);
    } finally {
      await this.releaseLeases();
      await this.publisher.close();
    }
  }

  /** Rows still leased (a publish that outlived the deadline) are due again at the next start. */
  private async releaseLeases(): Promise<void> {
    if (this.leased.size === 0) return;
    const ids = [...this.leased];
    this.leased.clear();
    try {
      await this.outbox.release(this.dataSource.manager, ids);
    } catch (err) {
      this.logger.warn(`audit outbox leases left to expire: ${describeError(err)}`);
    }
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.runCycle(), delayMs);
    // A pending delivery must not keep the process alive; shutdown flushes instead.
    this.timer.unref();
  }

  private runCycle(): void {
    if (this.state !== 'running' || this.cycle) return;
    this.wakeRequested = false;
    this.cycle = this.drain()
      .catch((err: unknown) => {
        // The outbox itself is unreachable (database down): the same backoff applies.
        this.noteOutage(`audit outbox unreadable: ${describeError(err)}`);
        return 'unavailable' as const;
      })
      .then((outcome) => this.afterCycle(outcome))
      .finally(() => {
        this.cycle = undefined;
      });
  }

  private afterCycle(outcome: DrainOutcome): void {
    if (outcome === 'unavailable') {
      this.backoffMs =
        this.backoffMs === 0
          ? this.settings.initialBackoffMs
          : Math.min(this.backoffMs * 2, this.settings.maxBackoffMs);
    } else {
      if (this.outageReported) this.logger.log('audit events are being delivered again');
      this.backoffMs = 0;
      this.outageSince = undefined;
      this.outageReported = false;
    }
    if (this.state !== 'running') return;
    if (this.backoffMs > 0) this.schedule(this.backoffMs);
    else this.schedule(this.wakeRequested ? 0 : this.settings.pollIntervalMs);
  }

  /** Delivers due rows until none is left, the target fails, or the deadline passes. */
  private async drain(deadline?: number): Promise<DrainOutcome> {
    const manager = this.dataSource.manager;
    for (;;) {
      const rows = await this.outbox.claimDue(
        manager,
        this.settings.batchSize,
        this.settings.leaseMs,
      );
      if (rows.length === 0) return 'drained';
      for (const row of rows) this.leased.add(row.id);
      if (deadline !== undefined && Date.now() >= deadline) {
        await this.release(rows);
        return 'deadline';
      }
      if ((await this.deliver(rows)) === 'unavailable') return 'unavailable';
      if (rows.length < this.settings.batchSize) return 'drained';
    }
  }

  private async release(rows: OutboxRow[]): Promise<void> {
    await this.outbox.release(this.dataSource.manager, idsOf(rows));
    for (const row of rows) this.leased.delete(row.id);
  }

  /**
   * Publishes a batch pipelined, in order (one round trip to the target for the batch rather
   * than one per event), then deletes what the target acknowledged in one statement. A failed
   * publish is counted on its row and tried again later; the rest of the batch is not held up.
   */
  private async deliver(rows: OutboxRow[]): Promise<'delivered' | 'unavailable'> {
    const manager = this.dataSource.manager;
    const published = await Promise.all(
      rows.map((row) =>
        this.publisher.publish(row.event).then(
          () => ({ row, failed: false as const }),
          (error: unknown) => ({ row, failed: true as const, error }),
        ),
      ),
    );
    const delivered = published.filter((p) => !p.failed).map((p) => p.row);
    await this.outbox.deleteMany(manager, idsOf(delivered));
    for (const row of delivered) this.leased.delete(row.id);
    let outcome: 'delivered' | 'unavailable' = 'delivered';
    for (const p of published) {
      if (!p.failed) continue;
      const { row, error } = p;
      this.leased.delete(row.id);
      const transient = !(error instanceof AuditPublishError) || error.transient;
      if (transient) {
        this.noteOutage(`audit events cannot be delivered: ${describeError(error)}`);
        await this.outbox.retryLater(manager, row.id, 0);
        outcome = 'unavailable';
        continue;
      }
      const delay = this.refusedRetryDelay(row.attempts + 1);
      this.logger.error(
        `audit event ${row.id} (${row.event.type}) refused, retrying in ${delay} ms: ${describeError(error)}`,
      );
      await this.outbox.retryLater(manager, row.id, delay);
    }
    return outcome;
  }

  /**
   * A target that is down for a moment (the audit service starting after this one, a NATS
   * failover) is normal: only an outage that lasts is worth a warning, and one is enough.
   */
  private noteOutage(message: string): void {
    const now = Date.now();
    this.outageSince ??= now;
    if (!this.outageReported && now - this.outageSince >= OUTAGE_WARNING_MS) {
      this.outageReported = true;
      this.logger.warn(`${message}; retrying with backoff, nothing is lost`);
    } else {
      this.logger.debug(message);
    }
  }

  private refusedRetryDelay(attempts: number): number {
    const exponential = this.settings.initialBackoffMs * 2 ** Math.min(attempts - 1, 20);
    return Math.min(exponential, this.settings.maxRefusedRetryMs);
  }
}

function idsOf(rows: OutboxRow[]): string[] {
  return rows.map((row) => row.id);
}

async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
