/**
 * The one HTTP client for URLs the server calls on a client's behalf (jwks_uri, back-channel
 * logout, later upstream identity providers), enforcing the outbound policy of @latchkey/oauth
 * (docs/architecture.md §3) where the connection is made:
 *
 *  - the URL is checked first (scheme, IP literals, localhost);
 *  - a host name is resolved here, every address it resolves to is checked, and the socket then
 *    connects to a checked address: the `lookup` of the request is this resolution, so a name
 *    that answers differently the second time (DNS rebinding) never gets a second question;
 *  - one deadline for the whole exchange, a bounded response body, and redirects never followed
 *    (a 3xx is returned as it is).
 */
import { type DynamicModule, Module } from '@nestjs/common';
import {
  type OutboundPolicy,
  outboundAddressProblem,
  outboundUrlProblem,
  STRICT_OUTBOUND_POLICY,
} from '@latchkey/oauth';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import type { LookupFunction } from 'node:net';

/** Why a call was not made: the policy refused the URL or an address it resolved to. */
export class OutboundRefused extends Error {
  readonly code = 'OUTBOUND_REFUSED';
  constructor(readonly reason: string) {
    super(`outbound call refused: the target ${reason}`);
    this.name = 'OutboundRefused';
  }
}

/** Resolves a host name to every address it has (IPv4 and IPv6). */
export type HostResolver = (hostname: string) => Promise<string[]>;

export const systemResolver: HostResolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses: LookupAddress[]) =>
      err ? reject(err) : resolve(addresses.map((a) => a.address)),
    ),
  );

export interface OutboundRequest {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** The whole exchange (resolution, connection, answer) is abandoned after this long. */
  timeoutMs: number;
  /** A longer answer is cut and the call fails. Default 256 KiB. */
  maxResponseBytes?: number;
  signal?: AbortSignal;
}

export interface OutboundHttpOptions {
  policy: OutboundPolicy;
  /** Tests answer names without DNS; the system resolver otherwise. */
  resolve?: HostResolver;
}

const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024;

/**
 * Calls `url` under the policy and answers a WHATWG Response (so it can stand in for fetch, e.g.
 * as jose's `customFetch`). Rejects with OutboundRefused before any connection to a refused
 * target; with the request's abort reason on timeout; with a network error otherwise.
 */
export async function outboundFetch(
  url: string,
  request: OutboundRequest,
  options: OutboundHttpOptions,
): Promise<Response> {
  const problem = outboundUrlProblem(url, options.policy);
  if (problem) throw new OutboundRefused(problem);
  const target = new URL(url);
  const scheme = target.protocol === 'https:' ? 'https' : 'http';
  const signal = AbortSignal.any([
    AbortSignal.timeout(request.timeoutMs),
    ...(request.signal ? [request.signal] : []),
  ]);
  const lookup = outboundLookup(scheme, options.policy, options.resolve ?? systemResolver);
  const maxBytes = request.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;

  return new Promise<Response>((resolve, reject: (err: unknown) => void) => {
    // An abort surfaces as the signal's reason (a TimeoutError at the deadline), as with fetch.
    const fail = (err: Error) => reject(signal.aborted ? signal.reason : err);
    const client = scheme === 'https' ? https : http;
    const req = client.request(
      target,
      {
        method: request.method,
        headers: request.headers,
        lookup,
        // A fresh connection each time: a pooled socket would skip the address check.
        agent: false,
        signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            res.destroy(new Error('the answer is too large'));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', fail);
        res.on('end', () => {
          const status = res.statusCode ?? 502;
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value === undefined) continue;
            for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
          }
          // A null body status (RFC 9110) may not be given a body.
          const body = [101, 204, 205, 304].includes(status) ? null : Buffer.concat(chunks);
          resolve(new Response(body, { status, headers }));
        });
      },
    );
    req.on('error', fail);
    req.end(request.body);
  });
}

/**
 * The socket's name resolution: every address of the name must pass the policy (one refused
 * address refuses the name, so a mixed answer cannot be raced), and the connection goes to
 * exactly the addresses checked here. Also the `lookup` of other protocols' sockets (LDAP).
 */
export function outboundLookup(
  scheme: 'https' | 'http',
  policy: OutboundPolicy,
  resolve: HostResolver,
): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        if (addresses.length === 0) {
          callback(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }), '', 4);
          return;
        }
        for (const address of addresses) {
          const problem = outboundAddressProblem(address, scheme, policy);
          if (problem) {
            callback(new OutboundRefused(`resolves to an address that ${problem}`), '', 4);
            return;
          }
        }
        const entries = addresses.map((address) => ({
          address,
          family: address.includes(':') ? 6 : 4,
        }));
        const wanted = entries.filter((e) => !options.family || e.family === options.family);
        if (options.all) {
          callback(null, wanted);
        } else if (wanted[0]) {
          callback(null, wanted[0].address, wanted[0].family);
        } else {
          callback(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }), '', 4);
        }
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 4),
    );
  };
}

/** outboundFetch under this deployment's policy, for injection where the server calls out. */
export class OutboundHttp {
  constructor(private readonly options: OutboundHttpOptions = { policy: STRICT_OUTBOUND_POLICY }) {}

  get policy(): OutboundPolicy {
    return this.options.policy;
  }

  fetch(url: string, request: OutboundRequest): Promise<Response> {
    return outboundFetch(url, request, this.options);
  }

  /** A socket `lookup` under this policy, for a connection that is always encrypted. */
  secureLookup(): LookupFunction {
    return outboundLookup('https', this.options.policy, this.options.resolve ?? systemResolver);
  }
}

/** Provides OutboundHttp with the operator's policy (OUTBOUND_* variables) to a whole service. */
@Module({})
export class OutboundHttpModule {
  static forRoot(policy: OutboundPolicy = STRICT_OUTBOUND_POLICY): DynamicModule {
    return {
      module: OutboundHttpModule,
      global: true,
      providers: [{ provide: OutboundHttp, useValue: new OutboundHttp({ policy }) }],
      exports: [OutboundHttp],
    };
  }
}
