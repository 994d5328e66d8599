import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import {
  type AuditChainRecord,
  type AuditExportRequest,
  type AuditExportResponse,
  AuditSubjects,
} from '@latchkey/contracts';
import { TooManyRequests } from '@latchkey/oauth-http';
import { BusClient } from '@latchkey/transport';
import { setTimeout as sleep } from 'node:timers/promises';

/** DI token of the {@link AuditStreamConfig}. */
export const AUDIT_STREAM_CONFIG = 'LATCHKEY_AUDIT_STREAM_CONFIG';

export interface AuditStreamConfig {
  /** Live tails this gateway serves at once (AUDIT_STREAM_MAX_CONNECTIONS). */
  maxConnections: number;
  /** Seconds between heartbeats on a quiet tail (AUDIT_STREAM_HEARTBEAT_SECONDS). */
  heartbeatSeconds: number;
}

/**
 * How long a caught-up tail waits before asking for new rows again: the delay between an event
 * being stored and it reaching the tail is at most about this, plus one bus round trip.
 */
export const AUDIT_STREAM_POLL_MS = 250;
/** After the audit service failed to answer, wait this long before asking again. */
export const AUDIT_STREAM_RETRY_MS = 2000;
/** Rows asked per poll; a full page is followed at once by the next. */
const AUDIT_STREAM_PAGE = 200;

/** Which stored events a tail follows, and from where (the chain seq, `Last-Event-ID`). */
export interface AuditStreamFilter {
  afterSeq: number;
  type?: string;
  subject?: string;
  client_id?: string;
}

/** One open tail's hold on a connection slot. */
export interface AuditStreamLease {
  /** Aborted when the gateway shuts down. */
  signal: AbortSignal;
  release(): void;
}

/**
 * The live tail of the audit log (`GET /admin/audit/stream`, docs/audit.md): stored events after
 * a seq, oldest first, followed as they are stored. It reads the chain through `audit.export`;
 * because appends commit in seq order, going on from the last seq sent neither skips nor repeats
 * an event, also across a reconnect with `Last-Event-ID`.
 */
@Injectable()
export class AuditStreamService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditStreamService.name);
  private readonly open = new Set<AbortController>();

  constructor(
    private readonly bus: BusClient,
    @Inject(AUDIT_STREAM_CONFIG) readonly config: AuditStreamConfig,
  ) {}

  /** A slot for one more tail, or 429 when every slot is taken. */
  acquire(): AuditStreamLease {
    if (this.open.size >= this.config.maxConnections) {
      throw new TooManyRequests(
        this.config.heartbeatSeconds,
        'too many live audit streams are open; try again later',
      );
    }
    const controller = new AbortController();
    this.open.add(controller);
    return {
      signal: controller.signal,
      release: () => {
        this.open.delete(controller);
      },
    };
  }

  /** Shutdown drains HTTP: open tails end so the server can close. */
  beforeApplicationShutdown(): void {
    for (const controller of this.open) controller.abort();
  }

  /**
   * Yields every matching stored event after `filter.afterSeq`, then waits for more, until
   * `signal` aborts. A failed request to the audit service is retried; the tail never skips.
   */
  async *follow(filter: AuditStreamFilter, signal: AbortSignal): AsyncGenerator<AuditChainRecord> {
    let afterSeq = filter.afterSeq;
    while (!signal.aborted) {
      let page: AuditExportResponse;
      try {
        page = await this.bus.request<AuditExportResponse>(
          AuditSubjects.Export,
          this.request(filter, afterSeq),
        );
      } catch (err) {
        this.logger.warn(`audit stream: ${(err as Error)?.message ?? String(err)}; retrying`);
        await pause(AUDIT_STREAM_RETRY_MS, signal);
        continue;
      }
      for (const record of page.items) {
        if (record.seq <= afterSeq) continue;
        afterSeq = record.seq;
        yield record;
      }
      if (page.next_cursor === null) await pause(AUDIT_STREAM_POLL_MS, signal);
    }
  }

  private request(filter: AuditStreamFilter, afterSeq: number): AuditExportRequest {
    const request: AuditExportRequest = { after_seq: afterSeq, limit: AUDIT_STREAM_PAGE };
    if (filter.type !== undefined) request.type = filter.type;
    if (filter.subject !== undefined) request.subject = filter.subject;
    if (filter.client_id !== undefined) request.client_id = filter.client_id;
    return request;
  }
}

/** Waits, or returns early when the tail is closed. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // Aborted: the caller's loop sees signal.aborted.
  }
}
