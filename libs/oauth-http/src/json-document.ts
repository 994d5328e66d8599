import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';

/** A published document as sent: its bytes and a strong validator (RFC 9110 §8.8.3). */
interface Serialized {
  body: Buffer;
  etag: string;
}

/** Keyed by the document object: a new key set or metadata object is serialized once. */
const serialized = new WeakMap<object, Serialized>();

/**
 * Sends a document that changes rarely and is fetched constantly (discovery metadata, the key
 * set): serialized and hashed once per document object rather than per request, answered 304
 * when the client already holds it (If-None-Match).
 */
export function sendJsonDocument(
  req: Request,
  res: Response,
  document: object,
  headers: { contentType: string; cacheControl: string },
): void {
  let entry = serialized.get(document);
  if (!entry) {
    const body = Buffer.from(JSON.stringify(document), 'utf8');
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
    entry = { body, etag };
    serialized.set(document, entry);
  }
  res.setHeader('Cache-Control', headers.cacheControl);
  res.setHeader('ETag', entry.etag);
  // Express compares If-None-Match (and If-Modified-Since) with the ETag just set.
  if (req.fresh) {
    res.status(304).end();
    return;
  }
  res.setHeader('Content-Type', headers.contentType);
  res.setHeader('Content-Length', entry.body.length);
  res.status(200).end(req.method === 'HEAD' ? undefined : entry.body);
}
