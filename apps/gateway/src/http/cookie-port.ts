/** The gateway's cookies; the jar names them (`__Host-` prefix when the issuer is https). */
export type CookieKind = 'session' | 'browser';

export interface CookieOptions {
  /** Seconds; omitted: the cookie lasts until the browser closes. */
  maxAgeSeconds?: number;
}

/**
 * The browser's cookies as services see them: values as the gateway wrote them, signatures and
 * names taken care of by the HTTP layer (CookieJar), which implements this over the request and
 * the response. Services never see Express's `req`/`res`.
 */
export interface CookiePort {
  /** The value, or undefined when absent, forged or signed with a retired secret. */
  get(name: CookieKind): string | undefined;
  set(name: CookieKind, value: string, options?: CookieOptions): void;
  clear(name: CookieKind): void;
}
