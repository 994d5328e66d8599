import { AsyncResource } from 'node:async_hooks';
import { Logger } from '@nestjs/common';
import type { HeaderRecord } from '../transport-headers';

/** A message on the in-process bus: text and copied headers only, as bytes on the wire would be. */
export interface InProcessMessage {
  readonly subject: string;
  /** JSON of the Nest packet (`{ id?, pattern, data }`). */
  readonly payload: string;
  readonly headers?: HeaderRecord;
}

/** Called with the JSON of each Nest response packet (`{ id, response?, err?, isDisposed? }`). */
export type InProcessReply = (payload: string) => void;

/** One subscription of an endpoint, as NATS would see it. */
export interface InProcessSubscription {
  /**
   * The queue group: `undefined` or `''` means none (every such subscriber receives the message);
   * subscribers sharing a name get one copy between them, like replicas of a service on NATS.
   */
  readonly queue: string | undefined;
}

/** What the bus needs from a server (implemented by InProcessServer). */
export interface InProcessEndpoint {
  subscription(subject: string): InProcessSubscription | undefined;
  receive(message: InProcessMessage, reply?: InProcessReply): void;
}

/**
 * Handlers run in the async context this resource was created in (module load, no stores), not in
 * the caller's: otherwise AsyncLocalStorage state (request id, a transaction) would leak across a
 * service boundary in embedded mode and hide a missing header that NATS would have exposed.
 */
class DetachedScope extends AsyncResource {
  constructor() {
    super('LatchkeyInProcessBus');
  }

  /** An async context, not a handle: it never keeps the process alive (Jest's open-handle check asks). */
  hasRef(): boolean {
    return false;
  }
}
const detachedScope = new DetachedScope();

/**
 * A process-wide registry of in-process servers, standing in for NATS in embedded mode:
 * subject wildcards, queue groups (one delivery per service, every delivery for broadcast
 * subscriptions), asynchronous delivery and "no responders" behave as they do on NATS.
 */
export class InProcessBus {
  /** The bus every embedded service in this process shares unless told otherwise. */
  static readonly shared = new InProcessBus();

  private readonly logger = new Logger(InProcessBus.name);
  private readonly endpoints: InProcessEndpoint[] = [];
  private readonly roundRobin = new Map<string, number>();

  register(endpoint: InProcessEndpoint): void {
    if (!this.endpoints.includes(endpoint)) this.endpoints.push(endpoint);
  }

  unregister(endpoint: InProcessEndpoint): void {
    const index = this.endpoints.indexOf(endpoint);
    if (index >= 0) this.endpoints.splice(index, 1);
  }

  /** Delivers a request; `false` when nobody subscribes, which NATS reports as "no responders". */
  request(message: InProcessMessage, reply: InProcessReply): boolean {
    const targets = this.route(message.subject);
    for (const endpoint of targets) this.deliver(endpoint, message, reply);
    return targets.length > 0;
  }

  /** Delivers an event; returns how many endpoints receive it (NATS drops unheard events silently). */
  publish(message: InProcessMessage): number {
    const targets = this.route(message.subject);
    for (const endpoint of targets) this.deliver(endpoint, message);
    return targets.length;
  }

  private route(subject: string): InProcessEndpoint[] {
    const targets: InProcessEndpoint[] = [];
    const groups = new Map<string, InProcessEndpoint[]>();
    for (const endpoint of this.endpoints) {
      const subscription = endpoint.subscription(subject);
      if (!subscription) continue;
      if (!subscription.queue) {
        targets.push(endpoint);
        continue;
      }
      const members = groups.get(subscription.queue) ?? [];
      members.push(endpoint);
      groups.set(subscription.queue, members);
    }
    for (const [queue, members] of groups) {
      const key = `${queue}\u0000${subject}`;
      const turn = this.roundRobin.get(key) ?? 0;
      this.roundRobin.set(key, turn + 1);
      targets.push(members[turn % members.length]);
    }
    return targets;
  }

  private deliver(endpoint: InProcessEndpoint, message: InProcessMessage, reply?: InProcessReply) {
    // Never synchronously: a sender must not run its receiver's code on its own stack.
    Promise.resolve()
      .then(() => detachedScope.runInAsyncScope(() => endpoint.receive(message, reply)))
      .catch((err: unknown) => this.logger.error(err));
  }
}
