import type { AuditChainRecord, StoredAuditEvent } from '@latchkey/contracts';
import type { Response } from 'express';

/** How long a client waits before reconnecting after the stream ends (the SSE `retry` field). */
export const AUDIT_STREAM_RETRY_HINT_MS = 2000;

export interface AuditStreamWriting {
  response: Response;
  /** The events to write; the generator must end once `signal` aborts. */
  follow(signal: AbortSignal): AsyncIterable<AuditChainRecord>;
  /** Aborted when the gateway shuts down. */
  signal: AbortSignal;
  heartbeatSeconds: number;
  /** When the admin access token expires (ms since the epoch): the stream ends then. */
  expiresAt: number;
}

/**
 * Writes stored events as Server-Sent Events (HTML Living Standard §9.2): one message per event,
 * its `id` the chain seq (what the client sends back as Last-Event-ID), its `data` the event as
 * GET /admin/audit lists it; a comment line as heartbeat. Ends when the client goes away, the
 * access token expires, or the gateway shuts down.
 */
export async function writeAuditStream(writing: AuditStreamWriting): Promise<void> {
  const { response, heartbeatSeconds } = writing;
  const ended = new AbortController();
  const end = () => ended.abort();
  // The response's 'close' is the connection going away (or the response ending).
  response.on('close', end);
  writing.signal.addEventListener('abort', end, { once: true });
  // A token that expires ends the stream: the client reconnects with a fresh one.
  const expiry = setTimeout(end, Math.max(0, writing.expiresAt - Date.now()));
  const heartbeat = setInterval(() => response.write(': heartbeat\n\n'), heartbeatSeconds * 1000);

  response.status(200);
  response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  response.setHeader('Cache-Control', 'no-store');
  // Proxies such as nginx would otherwise hold events back in their buffers.
  response.setHeader('X-Accel-Buffering', 'no');
  response.flushHeaders();
  response.write(`retry: ${AUDIT_STREAM_RETRY_HINT_MS}\n\n`);
  try {
    for await (const record of writing.follow(ended.signal)) {
      if (ended.signal.aborted) break;
      response.write(formatEvent(record));
    }
  } finally {
    clearTimeout(expiry);
    clearInterval(heartbeat);
    response.off('close', end);
    writing.signal.removeEventListener('abort', end);
    response.end();
  }
}

/** One SSE message. JSON has no raw newline, so `data` is one line. */
export function formatEvent(record: AuditChainRecord): string {
  const stored: StoredAuditEvent = {
    ...record.event,
    seq: record.seq,
    hash: record.hash,
    prev_hash: record.prev_hash,
  };
  return `id: ${record.seq}\ndata: ${JSON.stringify(stored)}\n\n`;
}
