import type { AuditEvent } from '@latchkey/contracts';

/** Where the relay delivers: JetStream (distributed) or the audit service in-process (embedded). */
export interface AuditPublisher {
  /** Resolves once the target has durably accepted the event (or already had it). */
  publish(event: AuditEvent): Promise<void>;
  close(): Promise<void>;
}

/** DI token of the relay's AuditPublisher. */
export const AUDIT_PUBLISHER = 'LATCHKEY_AUDIT_PUBLISHER';

/**
 * A delivery that failed. `transient`: the target is down or slow, so the relay backs off and
 * tries again; otherwise the target refused this one event, and the relay moves on to the next.
 */
export class AuditPublishError extends Error {
  readonly code = 'AUDIT_PUBLISH_FAILED' as const;

  constructor(
    message: string,
    readonly transient: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AuditPublishError';
  }
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
