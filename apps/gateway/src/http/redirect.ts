import type { Response } from 'express';

/**
 * 303 See Other (the browser follows with GET, whatever the method was), never cached, and with
 * no Referer for the next hop: the URLs of these flows carry interaction ids and codes.
 */
export function seeOther(res: Response, location: string): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.redirect(303, location);
}
