import { ClientsCache } from '@latchkey/registry-client';
import { Inject, Injectable, Logger, type OnModuleDestroy, Optional } from '@nestjs/common';
import type { EndSessionResponse } from '@latchkey/contracts';
import {
  BACKCHANNEL_LOGOUT_OPTIONS,
  type BackchannelLogoutOptions,
  DEFAULT_BACKCHANNEL_LOGOUT_OPTIONS,
} from './backchannel-logout.options';
import { backchannelTargetProblem } from './backchannel-target';

/** One logout token for one relying party, as the token service signed it. */
export type LogoutTokenDelivery = EndSessionResponse['logout_tokens'][number];

type Outcome = { kind: 'delivered' } | { kind: 'retry' | 'failed'; reason: string };

interface Job {
  delivery: LogoutTokenDelivery;
  /** 1 for the first attempt. */
  attempt: number;
  /** The target was checked against the client's registration (once per delivery). */
  targetChecked: boolean;
}

/**
 * OIDC Back-Channel Logout 1.0 §2.5 delivery: each logout token is POSTed as
 * `application/x-www-form-urlencoded` `logout_token=<jwt>` to the client's registered
 * `backchannel_logout_uri`, in the background (the user's logout never waits for a relying
 * party), with a timeout per attempt and a few retries with backoff for answers that may succeed
 * later (network errors, timeouts, 5xx, 408, 429). A 2xx is delivered; any other answer (a 400
 * means the relying party refused the token, a redirect is never followed) is final.
 *
 * The queue is in this process's memory: a crash or a restart loses the deliveries still waiting
 * for an attempt. A durable queue (a Redis stream or an outbox table) would be the next step.
 */
@Injectable()
export class BackchannelLogoutSender implements OnModuleDestroy {
  private readonly logger = new Logger(BackchannelLogoutSender.name);
  private readonly options: BackchannelLogoutOptions;
  private readonly ready: Job[] = [];
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  private idleWaiters: (() => void)[] = [];
  private active = 0;
  /** Deliveries not finished: ready, in flight, or waiting to be retried. */
  private pending = 0;
  private stopped = false;

  constructor(
    private readonly clients: ClientsCache,
    @Optional() @Inject(BACKCHANNEL_LOGOUT_OPTIONS) options?: BackchannelLogoutOptions,
  ) {
    this.options = options ?? DEFAULT_BACKCHANNEL_LOGOUT_OPTIONS;
  }

  /** Queues the deliveries and returns at once; never throws. */
  send(deliveries: readonly LogoutTokenDelivery[]): void {
    for (const delivery of deliveries) {
      if (this.stopped || this.pending >= this.options.maxPending) {
        this.logger.warn({
          event: 'backchannel_logout.dropped',
          client_id: delivery.client_id,
          msg: this.stopped
            ? 'back-channel logout not sent: shutting down'
            : 'back-channel logout not sent: too many deliveries pending',
        });
        continue;
      }
      this.pending++;
      this.ready.push({ delivery, attempt: 1, targetChecked: false });
    }
    this.pump();
  }

  /** Resolves once every delivery queued so far has been delivered or given up. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  onModuleDestroy(): void {
    this.stopped = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    for (const controller of this.inFlight) controller.abort();
    const lost = this.pending - this.active;
    if (lost > 0) {
      this.logger.warn({
        event: 'backchannel_logout.dropped',
        deliveries: lost,
        msg: 'back-channel logouts still waiting were dropped at shutdown',
      });
    }
    this.ready.length = 0;
    this.pending = this.active;
    this.notifyIfIdle();
  }

  private pump(): void {
    while (!this.stopped && this.active < this.options.concurrency && this.ready.length > 0) {
      const job = this.ready.shift()!;
      this.active++;
      void this.run(job).finally(() => {
        this.active--;
        this.pump();
      });
    }
  }

  private async run(job: Job): Promise<void> {
    const outcome = await this.attempt(job);
    const delay = this.options.retryDelaysMs[job.attempt - 1];
    if (outcome.kind === 'retry' && delay !== undefined && !this.stopped) {
      this.logger.debug({
        event: 'backchannel_logout.retry',
        client_id: job.delivery.client_id,
        attempt: job.attempt,
        reason: outcome.reason,
      });
      this.retryLater({ ...job, attempt: job.attempt + 1 }, delay);
      return;
    }
    if (outcome.kind === 'delivered') {
      this.logger.log({
        event: 'backchannel_logout.delivered',
        client_id: job.delivery.client_id,
        attempt: job.attempt,
      });
    } else {
      this.logger.warn({
        event: 'backchannel_logout.failed',
        client_id: job.delivery.client_id,
        attempts: job.attempt,
        reason: outcome.reason,
        msg: 'back-channel logout could not be delivered',
      });
    }
    this.finish();
  }

  /** One POST; answers what to do next, never throws. */
  private async attempt(job: Job): Promise<Outcome> {
    const { client_id, backchannel_logout_uri, logout_token } = job.delivery;
    if (!job.targetChecked) {
      let problem: string | undefined;
      try {
        problem = backchannelTargetProblem(
          backchannel_logout_uri,
          await this.clients.get(client_id),
        );
      } catch {
        return { kind: 'retry', reason: 'the client registry is unreachable' };
      }
      if (problem) return { kind: 'failed', reason: problem };
      job.targetChecked = true;
    }
    const controller = new AbortController();
    this.inFlight.add(controller);
    try {
      const status = await postLogoutToken(
        backchannel_logout_uri,
        logout_token,
        AbortSignal.any([controller.signal, AbortSignal.timeout(this.options.timeoutMs)]),
      );
      if (status >= 200 && status < 300) return { kind: 'delivered' };
      return { kind: isRetryableStatus(status) ? 'retry' : 'failed', reason: `HTTP ${status}` };
    } catch (err) {
      return { kind: 'retry', reason: describeFailure(err) };
    } finally {
      this.inFlight.delete(controller);
    }
  }

  private retryLater(job: Job, delayMs: number): void {
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.ready.push(job);
      this.pump();
    }, delayMs);
    // Pending retries never keep the process alive on their own.
    timer.unref();
    this.retryTimers.add(timer);
  }

  private finish(): void {
    this.pending--;
    this.notifyIfIdle();
  }

  private notifyIfIdle(): void {
    if (this.pending > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** OIDC Back-Channel Logout §2.5: the token as a form field; redirects are not followed. */
async function postLogoutToken(uri: string, logoutToken: string, signal: AbortSignal) {
  const res = await fetch(uri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ logout_token: logoutToken }).toString(),
    redirect: 'manual',
    signal,
  });
  // The body means nothing here; release the connection without reading it.
  await res.body?.cancel().catch(() => undefined);
  return res.status;
}

/** Answers that may turn out differently later (RFC 9110 §15.5.9, RFC 6585 §4, 5xx). */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function describeFailure(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return 'timed out';
    if (err.name === 'AbortError') return 'aborted';
    const code = (err.cause as { code?: unknown } | undefined)?.code;
    return typeof code === 'string' ? code : err.name;
  }
  return 'network error';
}
