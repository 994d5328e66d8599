import { randomInt } from 'node:crypto';
import * as http from 'node:http';

/** One HTTP call to the platform under test, as a client or an operator makes it. */
export interface CallOptions {
  /** `Authorization: Bearer <token>`. */
  token?: string;
  /** `Authorization: Basic` with the RFC 6749 §2.3.1 form-encoding of id and secret. */
  basic?: { id: string; secret: string };
  json?: unknown;
  form?: Record<string, string>;
  /** A raw body, sent as it is (with whatever Content-Type `headers` gives it). */
  body?: string;
  /** Extra headers; a Content-Type given here is kept over the one `json`/`form` imply. */
  headers?: Record<string, string>;
}

export interface CallAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The JSON body; `{}` when the body is empty or not JSON (`text` has it). */
  body: Record<string, unknown>;
}

export async function callPlatform(
  issuer: string,
  method: string,
  route: string,
  options: CallOptions = {},
): Promise<CallAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.basic) {
    const pair = `${encodeURIComponent(options.basic.id)}:${encodeURIComponent(options.basic.secret)}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  }
  let body = options.body;
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  const res = await fetch(`${issuer}${route}`, {
    method,
    headers,
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    // Not JSON (a JWT, an HTML page, an empty body).
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

export interface Posted {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * A form POST sent from a given local address (fetch cannot choose one): the gateway counts
 * sign-in attempts per client address, so a test that exhausts those limits calls from a
 * loopback address of its own and leaves the counter of 127.0.0.1 to the other tests.
 */
export function postFrom(
  localAddress: string,
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<Posted> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        localAddress,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const received = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
              received.append(name, v);
            }
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: received,
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** A random loopback address other than 127.0.0.1, for a test's own per-address counters. */
export function ownLoopbackAddress(): string {
  return `127.${1 + randomInt(254)}.${randomInt(256)}.${1 + randomInt(254)}`;
}
