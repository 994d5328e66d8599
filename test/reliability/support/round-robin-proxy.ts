import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A round-robin HTTP proxy on loopback, as a Kubernetes ingress in front of the replicas: the
 * token service's four paths (docs/architecture.md §2.7) go in turn to every replica that serves
 * them (each gateway and each token service), every other path in turn to the gateways. No
 * sticky sessions: consecutive requests land on different replicas. An upstream that refuses the
 * connection (a replica stopped or not started yet) never saw the request, which goes to the
 * next replica of the pool, as an ingress retries a refused connection. When none accepts, or an
 * upstream does not answer within `upstreamTimeoutMs` or drops the connection mid-request, the
 * request is answered `503 temporarily_unavailable`, as an ingress with that error page would
 * (marked `x-proxy-verdict: upstream-unavailable`, so the tests tell it from a service's own 503).
 * Every answer is logged (`answers`), the tests' view of what clients saw.
 */
export interface ProxiedAnswer {
  method: string;
  path: string;
  status: number;
  startedAt: number;
  endedAt: number;
  upstream: string;
  fromProxy: boolean;
  /** Replicas that refused the connection before one took the request. */
  refused: number;
}

export interface RoundRobinProxy {
  port: number;
  url: string;
  /** Answers so far per upstream (its name), for checking that the load was spread. */
  served: Map<string, number>;
  answers: ProxiedAnswer[];
  /**
   * Sends no new request to this upstream (as Kubernetes takes a terminating pod out of its
   * Service's endpoints), until `restore`. Requests already sent to it go on.
   */
  withdraw(name: string): void;
  restore(name: string): void;
  close(): Promise<void>;
}

export interface Upstream {
  name: string;
  port: number;
}

export const TOKEN_SERVICE_PATHS = ['/token', '/introspect', '/revoke', '/.well-known/jwks.json'];

export async function startRoundRobinProxy(
  port: number,
  pools: { gateways: Upstream[]; tokenServices: Upstream[] },
  upstreamTimeoutMs: number,
): Promise<RoundRobinProxy> {
  // Interleaved, so that two consecutive token requests meet both kinds of service.
  const tokenPool: Upstream[] = [];
  for (let i = 0; i < Math.max(pools.gateways.length, pools.tokenServices.length); i++) {
    if (pools.gateways[i]) tokenPool.push(pools.gateways[i]!);
    if (pools.tokenServices[i]) tokenPool.push(pools.tokenServices[i]!);
  }
  const turns = { token: 0, other: 0 };
  const withdrawn = new Set<string>();
  const served = new Map<string, number>();
  const agent = new http.Agent({ keepAlive: false });

  const answers: ProxiedAnswer[] = [];

  const server = http.createServer((req, res) => {
    const startedAt = Date.now();
    const pathname = (req.url ?? '/').split('?')[0]!;
    const isToken = TOKEN_SERVICE_PATHS.includes(pathname);
    const pool = isToken ? tokenPool : pools.gateways;
    const first = isToken ? turns.token++ : turns.other++;
    let refused = 0;
    const log = (status: number, upstream: Upstream, fromProxy: boolean) =>
      answers.push({
        method: req.method ?? 'GET',
        path: pathname,
        status,
        startedAt,
        endedAt: Date.now(),
        upstream: upstream.name,
        fromProxy,
        refused,
      });
    const unavailable = (upstream: Upstream) => {
      log(503, upstream, true);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(503, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        'x-proxy-verdict': 'upstream-unavailable',
        'x-upstream': upstream.name,
      });
      res.end('{"error":"temporarily_unavailable","error_description":"no upstream answered"}');
    };
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const attempt = (turn: number) => {
        // The next upstream in turn that is not withdrawn (each pool keeps at least one).
        while (withdrawn.has(pool[turn % pool.length]!.name) && turn < first + pool.length) turn++;
        const upstream = pool[turn % pool.length]!;
        const forward = http.request(
          {
            host: '127.0.0.1',
            port: upstream.port,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, host: req.headers.host ?? `127.0.0.1:${port}` },
            agent,
          },
          (answer) => {
            served.set(upstream.name, (served.get(upstream.name) ?? 0) + 1);
            res.writeHead(answer.statusCode ?? 502, {
              ...answer.headers,
              'x-upstream': upstream.name,
            });
            answer.pipe(res);
            answer.on('end', () => log(answer.statusCode ?? 502, upstream, false));
          },
        );
        // The deadline covers the whole exchange; when it passes the upstream connection is cut,
        // which the service sees as its caller going away.
        const timer = setTimeout(() => {
          forward.destroy(new Error('upstream timeout'));
        }, upstreamTimeoutMs);
        forward.on('error', (err: NodeJS.ErrnoException) => {
          clearTimeout(timer);
          if (err.code === 'ECONNREFUSED' && refused + 1 < pool.length && !res.headersSent) {
            refused++;
            attempt(turn + 1);
            return;
          }
          unavailable(upstream);
        });
        forward.on('close', () => clearTimeout(timer));
        forward.end(body);
      };
      attempt(first);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    served,
    answers,
    withdraw: (name) => void withdrawn.add(name),
    restore: (name) => void withdrawn.delete(name),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
