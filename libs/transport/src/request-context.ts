import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** Transport header that carries the request id from the gateway to every service a request touches. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * Transport header that carries the caller's deadline with every bus request: the moment
 * (milliseconds since the epoch) after which the caller no longer waits for the answer
 * (docs/architecture.md §1.1). An absolute time, so that time spent queued in a paused bus or
 * replica counts against it; replicas' clocks are assumed in step (NTP).
 */
export const DEADLINE_HEADER = 'latchkey-deadline';

export interface RequestContextData {
  readonly requestId: string;
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

/**
 * The request the current code runs for, carried through async calls by AsyncLocalStorage so that
 * loggers and the bus client find it without threading it through every signature.
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

  /** A deadline header's value, when it is one: a whole number of ms since the epoch. */
  static parseDeadline(value: unknown): number | undefined {
    if (typeof value !== 'string' || !/^[0-9]{1,15}$/.test(value)) return undefined;
    return Number(value);
  }
}
