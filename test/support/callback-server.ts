import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A relying party's redirect URI on loopback (RFC 8252 §7.3): answers 200 "done" to anything and
 * records the URLs it was sent to, so a browser test can read the authorization response.
 */
export interface CallbackServer {
  /** `http://127.0.0.1:<port>/cb` */
  redirectUri: string;
  /** Every request URL received, in order, as absolute URLs. */
  received: URL[];
  close(): Promise<void>;
}

export async function startCallbackServer(): Promise<CallbackServer> {
  const received: URL[] = [];
  const server = await listenOnLoopback((req, res) => {
    received.push(new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`));
    res.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
    });
    res.end('done');
  });
  return { redirectUri: `${server.origin}/cb`, received, close: server.close };
}

export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  close(): Promise<void>;
}

/** An HTTP server on a free loopback port: a relying party's callback, a browser app's origin. */
export async function listenOnLoopback(handler: RequestListener): Promise<LoopbackServer> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
