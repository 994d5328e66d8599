import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** Transport header that carries the request id from the gateway to every service a request touches. */
export const REQUEST_ID_HEADER = 'x-request-id';

export interface RequestContextData {
  readonly requestId: string;
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

  static newRequestId(): string {
    return randomUUID();
  }

  static isValidRequestId(value: unknown): value is string {
    return typeof value === 'string' && SAFE_REQUEST_ID.test(value);
  }
}
