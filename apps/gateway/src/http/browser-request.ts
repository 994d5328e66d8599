import type { Request, Response } from 'express';
import type { CookieJar } from './cookie-jar';
import type { CookiePort } from './cookie-port';

/**
 * What the login, consent and logout steps learn of the browser's request: its cookies, and
 * where the request came from. Controllers build it; services take it instead of `req`/`res`.
 */
export interface BrowserRequest {
  readonly cookies: CookiePort;
  /** The client address (login limits, audit trail). */
  readonly ip: string | undefined;
  readonly userAgent: string | undefined;
  /** The Origin and Referer of a form post, for the same-origin check of our forms. */
  readonly origin: string | undefined;
  readonly referer: string | undefined;
}

export function browserRequestOf(jar: CookieJar, req: Request, res: Response): BrowserRequest {
  return {
    cookies: jar.port(req, res),
    ip: req.ip,
    userAgent: req.headers['user-agent'],
    origin: req.headers.origin,
    referer: req.headers.referer,
  };
}
