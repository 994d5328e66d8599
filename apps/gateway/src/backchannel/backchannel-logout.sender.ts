import { AuditClient } from '@latchkey/audit-client';
import { Services, type EndSessionResponse } from '@latchkey/contracts';
import { OutboundHttp } from '@latchkey/platform';
import { ClientsCache } from '@latchkey/registry-client';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  BackchannelDeliveriesRepository,
  type PendingDelivery,
} from './backchannel-deliveries.repository';
import {
  BACKCHANNEL_LOGOUT_OPTIONS,
  type BackchannelLogoutOptions,
  DEFAULT_BACKCHANNEL_LOGOUT_OPTIONS,
} from './backchannel-logout.options';
import { backchannelTargetProblem } from './backchannel-target';

/** One logout token for one relying party, as the token service signed it. */
export type LogoutTokenDelivery = EndSessionResponse['logout_tokens'][number];

type Outcome = { kind: 'delivered' } | { kind: 'retry' | 'failed'; reason: string };

/**
 * OIDC Back-Channel Logout 1.0 §2.5 delivery: each logout token is POSTed as
 * `application/x-www-form-urlencoded` `logout_token=<jwt>` to the client's registered
 * `backchannel_logout_uri`, in the background (the user's logout never waits for a relying
 * party), with a timeout per attempt and bounded retries with backoff for answers that may
 * succeed later (network errors, timeouts, 5xx, 408, 429). A 2xx is delivered; any other answer
 * (a 400 means the relying party refused the token, a redirect is never followed) is final.
 *
 * Deliveries wait in the gateway's database, not in memory: a restart or a crash loses none, and
 * any replica delivers them. A replica claims due deliveries with a lease, so two replicas never
 * post the same one; when the last attempt fails, the delivery is dropped with the audit event
 * `backchannel_logout.failed` (docs/architecture.md §6). Every POST goes through the outbound
 * policy (OutboundHttp): no private target unless the operator allows it.
 */
@Injectable()
export class BackchannelLogoutSender implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(BackchannelLogoutSender.name);
  private readonly options: BackchannelLogoutOptions;
  /** This replica's name on the leases it holds. */
  private readonly owner = randomUUID();
  private readonly inFlight = new Set<AbortController>();
  private poller?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly clients: ClientsCache,
    private readonly deliveries: BackchannelDeliveriesRepository,
    private readonly outbound: OutboundHttp,
    private readonly audit: AuditClient,
    @Optional() @Inject(BACKCHANNEL_LOGOUT_OPTIONS) options?: BackchannelLogoutOptions,
  ) {
    this.options = options ?? DEFAULT_BACKCHANNEL_LOGOUT_OPTIONS;
  }

  /**
   * Queues the deliveries durably and starts on them at once. Resolves once they are stored; never
   * throws (the user is signed out either way): when the database cannot take them, that is logged.
   */
  async send(deliveries: readonly LogoutTokenDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    try {
      await this.deliveries.enqueue(
        deliveries.map((d) => ({
          client_id: d.client_id,
          uri: d.backchannel_logout_uri,
          logout_token: d.logout_token,
        })),
        new Date(),
      );
    } catch (err) {
      this.logger.warn({
        event: 'backchannel_logout.dropped',
        clients: deliveries.map((d) => d.client_id),
        msg: `back-channel logouts could not be queued: ${describeFailure(err)}`,
      });
      return;
    }
    this.kick();
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  /** Looks for due deliveries now and every pollIntervalMs (retries, other replicas' leftovers). */
  start(): void {
    if (this.poller || this.stopped) return;
    this.poller = setInterval(() => this.kick(), this.options.pollIntervalMs);
    // The poller never keeps the process alive on its own.
    this.poller.unref();
    this.kick();
  }

  /**
   * Stops claiming and aborts the POSTs in flight. What was not delivered stays in the database;
   * its lease runs out and a replica (this one after a restart) takes it up again.
   */
  onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.poller) clearInterval(this.poller);
    for (const controller of this.inFlight) controller.abort();
    return this.running ?? Promise.resolve();
  }

  /** Resolves once the current round (if any) is over. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.deliverDue().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Claims and works off due deliveries until none is left due. Never throws. */
  private async deliverDue(): Promise<void> {
    while (!this.stopped) {
      let claimed: PendingDelivery[];
      try {
        const now = new Date();
        claimed = await this.deliveries.claim(
          this.owner,
          now,
          new Date(now.getTime() + this.options.leaseMs),
          this.options.concurrency,
        );
      } catch (err) {
        this.logger.warn({
          event: 'backchannel_logout.queue_unavailable',
          msg: `back-channel logout queue not reachable: ${describeFailure(err)}`,
        });
        return;
      }
      if (claimed.length === 0) return;
      await Promise.all(claimed.map((delivery) => this.deliver(delivery)));
    }
  }

  private async deliver(delivery: PendingDelivery): Promise<void> {
    const outcome = await this.attempt(delivery);
    if (this.stopped) return;
    const { id, client_id, attempts } = delivery;
    const delay = this.options.retryDelaysMs[attempts - 1];
    try {
      if (outcome.kind === 'delivered') {
        await this.deliveries.complete(id, this.owner);
        this.logger.log({ event: 'backchannel_logout.delivered', client_id, attempt: attempts });
      } else if (outcome.kind === 'retry' && delay !== undefined) {
        await this.deliveries.retryAt(id, this.owner, new Date(Date.now() + delay), outcome.reason);
        this.logger.debug({
          event: 'backchannel_logout.retry',
          client_id,
          attempt: attempts,
          reason: outcome.reason,
        });
      } else {
        await this.giveUp(delivery, outcome.reason);
      }
    } catch (err) {
      // The lease runs out and the delivery is attempted again (it counts as an attempt).
      this.logger.warn({
        event: 'backchannel_logout.queue_unavailable',
        client_id,
        msg: `back-channel logout outcome not recorded: ${describeFailure(err)}`,
      });
    }
  }

  /** Dropped for good, with its audit event in the same transaction. */
  private async giveUp(delivery: PendingDelivery, reason: string): Promise<void> {
    const { id, client_id, attempts } = delivery;
    const dropped = await this.deliveries.abandon(id, this.owner, (em) =>
      this.audit.recordInTransaction(em, 'backchannel_logout.failed', {
        subject: client_id,
        actor: { type: 'service', id: Services.Gateway },
        data: { client_id, attempts, reason },
      }),
    );
    if (!dropped) return;
    this.logger.warn({
      event: 'backchannel_logout.failed',
      client_id,
      attempts,
      reason,
      msg: 'back-channel logout could not be delivered',
    });
  }

  /** One POST; answers what to do next, never throws. */
  private async attempt(delivery: PendingDelivery): Promise<Outcome> {
    const { client_id, uri, logout_token } = delivery;
    let problem: string | undefined;
    try {
      problem = backchannelTargetProblem(
        uri,
        await this.clients.get(client_id),
        this.outbound.policy,
      );
    } catch {
      return { kind: 'retry', reason: 'the client registry is unreachable' };
    }
    if (problem) return { kind: 'failed', reason: problem };

    const controller = new AbortController();
    this.inFlight.add(controller);
    try {
      // OIDC Back-Channel Logout §2.5: the token as a form field; redirects are not followed.
      const res = await this.outbound.fetch(uri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logout_token }).toString(),
        timeoutMs: this.options.timeoutMs,
        maxResponseBytes: 16 * 1024,
        signal: controller.signal,
      });
      const status = res.status;
      if (status >= 200 && status < 300) return { kind: 'delivered' };
      return { kind: isRetryableStatus(status) ? 'retry' : 'failed', reason: `HTTP ${status}` };
    } catch (err) {
      // The policy's refusal is final: the target will not become acceptable by waiting.
      if (errorCode(err) === 'OUTBOUND_REFUSED') {
        return { kind: 'failed', reason: (err as { reason: string }).reason };
      }
      return { kind: 'retry', reason: describeFailure(err) };
    } finally {
      this.inFlight.delete(controller);
    }
  }
}

/** Answers that may turn out differently later (RFC 9110 §15.5.9, RFC 6585 §4, 5xx). */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function errorCode(err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
}

function describeFailure(err: unknown): string {
  if (err instanceof Error || (typeof err === 'object' && err !== null && 'name' in err)) {
    const { name } = err as Error;
    if (name === 'TimeoutError') return 'timed out';
    if (name === 'AbortError') return 'aborted';
    const code = errorCode(err) ?? errorCode((err as Error).cause);
    return typeof code === 'string' ? code : name;
  }
  return 'network error';
}
