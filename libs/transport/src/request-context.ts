import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { AUDIT_ACTOR_TYPES, type AuditActor } from '@latchkey/contracts';

/** Transport header that carries the request id from the gateway to every service a request touches. */
export const REQUEST_ID_HEADER = 'x-request-id';
/** Transport headers that carry who made the request, for audit events (docs/architecture.md §6). */
export const CALLER_IP_HEADER = 'x-latchkey-caller-ip';
export const CALLER_USER_AGENT_HEADER = 'x-latchkey-caller-user-agent';
export const ACTOR_HEADER = 'x-latchkey-actor';

/** The HTTP caller of the request, as the edge saw it. */
export interface RequestCaller {
  ip?: string;
  userAgent?: string;
}

/**
 * Transport header that carries the caller's deadline with every bus request: the moment
 * (milliseconds since the epoch) after which the caller no longer waits for the answer
 * (docs/architecture.md §1.1). An absolute time, so that time spent queued in a paused bus or
 * replica counts against it; replicas' clocks are assumed in step (NTP).
 */
export const DEADLINE_HEADER = 'latchkey-deadline';

export interface RequestContextData {
  readonly requestId: string;
  readonly caller?: RequestCaller;
  /**
   * Who the request acts for, once known (the admin API's bearer sets it). Mutable on purpose:
   * the guard that learns it runs inside the context the edge opened.
   */
  actor?: AuditActor;
  /** When the caller stops waiting (ms since the epoch); none: no deadline known. */
  readonly deadline?: number;
  /** Aborted when the caller went away (an HTTP client closed its connection). */
  readonly signal?: AbortSignal;
}

/**
 * The caller of this request has given up (its deadline passed or it went away): whatever the
 * work would change, it must not, because nobody would learn the outcome. Its `code` maps to
 * 503 `temporarily_unavailable` (`isBackendUnavailable` of @latchkey/oauth).
 */
export class CallerGaveUpError extends Error {
  readonly code = 'DEADLINE_EXCEEDED' as const;

  constructor(message = 'the caller has given up on this request') {
    super(message);
    this.name = 'CallerGaveUpError';
  }
}

const storage = new AsyncLocalStorage<RequestContextData>();

// Ids arrive from the wire and end up in every log line: accept only short, plain tokens.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
// An address as Express reports it (IPv4, IPv6, IPv4-mapped IPv6).
const SAFE_IP = /^[0-9A-Fa-f:.]{2,64}$/;
const MAX_USER_AGENT = 1024;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const SAFE_ACTOR_ID = /^[\x21-\x7e]{1,255}$/;

/**
 * The request the current code runs for, carried through async calls by AsyncLocalStorage so that
 * loggers, the bus client and the audit client find it without threading it through every
 * signature.
 */
export class RequestContext {
  private constructor() {}

  static run<T>(context: RequestContextData, fn: () => T): T {
    return storage.run(context, fn);
  }

  static current(): RequestContextData | undefined {
    return storage.getStore();
  }

  static requestId(): string | undefined {
    return storage.getStore()?.requestId;
  }

  static caller(): RequestCaller | undefined {
    return storage.getStore()?.caller;
  }

  static actor(): AuditActor | undefined {
    return storage.getStore()?.actor;
  }

  /** Names who the current request acts for; outside a request it is a no-op. */
  static setActor(actor: AuditActor): void {
    const store = storage.getStore();
    if (store) store.actor = actor;
  }

  static deadline(): number | undefined {
    return storage.getStore()?.deadline;
  }

  /** True when the caller no longer waits: its deadline has passed, or it went away. */
  static callerGaveUp(now = Date.now()): boolean {
    const context = storage.getStore();
    if (!context) return false;
    if (context.signal?.aborted) return true;
    return context.deadline !== undefined && now >= context.deadline;
  }

  /**
   * Called right before a request changes state that its answer hands out (a rotation, a code
   * redemption): a caller that gave up would never learn the outcome, so the work is dropped.
   */
  static assertCallerWaiting(): void {
    if (RequestContext.callerGaveUp()) throw new CallerGaveUpError();
  }

  static newRequestId(): string {
    return randomUUID();
  }

  static isValidRequestId(value: unknown): value is string {
    return typeof value === 'string' && SAFE_REQUEST_ID.test(value);
  }

  /** The caller from untrusted text (HTTP or bus headers): malformed parts are left out. */
  static readCaller(ip: unknown, userAgent: unknown): RequestCaller | undefined {
    const caller: RequestCaller = {};
    if (typeof ip === 'string' && SAFE_IP.test(ip)) caller.ip = ip;
    if (typeof userAgent === 'string' && userAgent !== '' && !CONTROL.test(userAgent)) {
      caller.userAgent = userAgent.slice(0, MAX_USER_AGENT);
    }
    return caller.ip === undefined && caller.userAgent === undefined ? undefined : caller;
  }

  /** `type:id` (or `anonymous`) as the actor header carries it. */
  static formatActor(actor: AuditActor): string {
    return actor.id === undefined ? actor.type : `${actor.type}:${actor.id}`;
  }

  static parseActor(value: unknown): AuditActor | undefined {
    if (typeof value !== 'string') return undefined;
    const colon = value.indexOf(':');
    const type = colon < 0 ? value : value.slice(0, colon);
    if (!(AUDIT_ACTOR_TYPES as readonly string[]).includes(type)) return undefined;
    if (colon < 0) return { type: type as AuditActor['type'] };
    const id = value.slice(colon + 1);
    return SAFE_ACTOR_ID.test(id) ? { type: type as AuditActor['type'], id } : undefined;
  }

  /** A deadline header's value, when it is one: a whole number of ms since the epoch. */
  static parseDeadline(value: unknown): number | undefined {
    if (typeof value !== 'string' || !/^[0-9]{1,15}$/.test(value)) return undefined;
    return Number(value);
  }
}
