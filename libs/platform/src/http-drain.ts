import type * as http from 'node:http';
import * as net from 'node:net';

const IN_FLIGHT = new WeakMap<http.Server, { requests: number }>();

/** Counts the requests `server` is answering, for {@link drainHttp}. Call once per server. */
export function trackInFlightRequests(server: http.Server): void {
  if (IN_FLIGHT.has(server)) return;
  const state = { requests: 0 };
  IN_FLIGHT.set(server, state);
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    state.requests++;
    res.once('close', () => state.requests--);
  });
}

/**
 * The first step of a graceful stop: the listener stops accepting connections (a load
 * balancer's next connection is refused, and goes to another replica), while the requests
 * already accepted, and those still arriving on connections already open, are answered. Resolves
 * once no request is in flight and no connection is open, or after `maxWaitMs`; the application's
 * close then ends what is left. Not Node's `http.Server.close()`, which would also cut the idle
 * connections on which a request may be on its way.
 */
export async function drainHttp(server: http.Server, maxWaitMs: number): Promise<void> {
  if (!server.listening) return;
  net.Server.prototype.close.call(server);
  const state = IN_FLIGHT.get(server);
  const openConnections = () =>
    new Promise<number>((resolve) =>
      server.getConnections((err, count) => resolve(err ? 0 : count)),
    );
  const deadline = Date.now() + maxWaitMs;
  while (Date.now() < deadline) {
    if ((state?.requests ?? 0) === 0 && (await openConnections()) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
