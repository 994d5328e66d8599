import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A round-robin HTTP proxy on loopback, as a Kubernetes ingress in front of the replicas: the
 * token service's four paths (docs/architecture.md §2.7) go in turn to every replica that serves
 * them (each gateway and each token service), every other path in turn to the gateways. No
 * sticky sessions: consecutive requests land on different replicas. An upstream that refuses the
 * connection or does not answer within `upstreamTimeoutMs` gets the request answered
 * `503 temporarily_unavailable`, as an ingress with that error page would (marked
 * `x-proxy-verdict: upstream-unavailable`, so the tests tell it from a service's own 503).
 */
export interface RoundRobinProxy {
  port: number;
  url: string;
  /** Answers so far per upstream (its name), for checking that the load was spread. */
  served: Map<string, number>;
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
  const served = new Map<string, number>();
  const agent = new http.Agent({ keepAlive: false });

  const server = http.createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?')[0]!;
    const isToken = TOKEN_SERVICE_PATHS.includes(pathname);
    const pool = isToken ? tokenPool : pools.gateways;
    const upstream = pool[(isToken ? turns.token++ : turns.other++) % pool.length]!;
    const unavailable = () => {
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
      },
    );
    // The deadline covers the whole exchange; when it passes the upstream connection is cut,
    // which the service sees as its caller going away.
    const timer = setTimeout(() => {
      forward.destroy(new Error('upstream timeout'));
    }, upstreamTimeoutMs);
    forward.on('error', () => {
      clearTimeout(timer);
      unavailable();
    });
    forward.on('close', () => clearTimeout(timer));
    req.pipe(forward);
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
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
