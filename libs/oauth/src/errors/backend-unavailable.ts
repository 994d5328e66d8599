/**
 * The one mapping from a backend outage to 503 `temporarily_unavailable` (docs/architecture.md §3:
 * fail closed). Each I/O library turns its driver's failures into an error with a stable `code`
 * (as jose's JOSEError does): persistence `DATABASE_UNAVAILABLE`, kv `KV_UNAVAILABLE`, transport
 * `BUS_UNAVAILABLE`, and `DEADLINE_EXCEEDED` for work dropped because its caller gave up (the
 * caller is already answering 503; whoever still reads the answer gets the same). This module branches on those codes only, never on a message, and knows no
 * driver, so the protocol library stays free of I/O.
 */
import { OAuthError, TemporarilyUnavailable, type SerializedOAuthError } from './oauth-error';

export const BACKEND_UNAVAILABLE_CODES = [
  'DATABASE_UNAVAILABLE',
  'KV_UNAVAILABLE',
  'BUS_UNAVAILABLE',
  'DEADLINE_EXCEEDED',
] as const;
export type BackendUnavailableCode = (typeof BACKEND_UNAVAILABLE_CODES)[number];

const CODES: ReadonlySet<string> = new Set(BACKEND_UNAVAILABLE_CODES);
/** Wrappers seen in practice are one or two deep; the bound guards against cycles. */
const MAX_DEPTH = 4;

/** True when `err`, or an error it wraps (`cause`), carries a backend-unavailable code. */
export function isBackendUnavailable(err: unknown): boolean {
  let current = err;
  for (let depth = 0; depth <= MAX_DEPTH; depth++) {
    if (typeof current !== 'object' || current === null) return false;
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string' && CODES.has(code)) return true;
    current = cause;
  }
  return false;
}

/**
 * What a caller may learn of `err`: the OAuthError itself (also one rebuilt from the bus), 503
 * for a backend outage, else undefined: an unexpected error, which the caller logs and answers
 * with a generic `server_error`.
 */
export function toOAuthError(err: unknown): OAuthError | undefined {
  if (err instanceof OAuthError) return err;
  if (OAuthError.isSerialized(err)) return OAuthError.deserialize(err as SerializedOAuthError);
  if (isBackendUnavailable(err)) return new TemporarilyUnavailable();
  return undefined;
}
