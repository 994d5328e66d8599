// nats-core is where @nats-io/transport-node's headers() and types live (its re-export is invisible
// to TypeScript's node10 resolution).
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/nats-core';

/**
 * Message headers are NATS `MsgHdrs` on both transports, so a handler reads them the same way
 * (`ctx.getHeaders().get('x-request-id')`) whether it runs embedded or distributed.
 */
export type TransportHeaders = MsgHdrs;

/** Header values as they cross the in-process bus: plain strings, copied, never shared. */
export type HeaderRecord = Record<string, string[]>;

export function createHeaders(values: Record<string, string | undefined> = {}): TransportHeaders {
  const headers = natsHeaders();
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined) headers.set(key, value);
  }
  return headers;
}

export function headersToRecord(headers: TransportHeaders | undefined): HeaderRecord | undefined {
  if (!headers) return undefined;
  const record: HeaderRecord = {};
  for (const [key, values] of headers) record[key] = [...values];
  return record;
}

export function headersFromRecord(record: HeaderRecord): TransportHeaders {
  const headers = natsHeaders();
  for (const [key, values] of Object.entries(record)) {
    for (const value of values) headers.append(key, value);
  }
  return headers;
}

/**
 * Reads one header from whatever an RPC context exposes; tolerant because a NATS message sent
 * without headers has none at all.
 */
export function readHeader(context: unknown, name: string): string | undefined {
  if (typeof context !== 'object' || context === null) return undefined;
  const getHeaders = (context as { getHeaders?: unknown }).getHeaders;
  if (typeof getHeaders !== 'function') return undefined;
  const headers: unknown = getHeaders.call(context);
  if (typeof headers !== 'object' || headers === null) return undefined;
  const get = (headers as { get?: unknown }).get;
  if (typeof get !== 'function') return undefined;
  const value: unknown = get.call(headers, name);
  return typeof value === 'string' && value !== '' ? value : undefined;
}
