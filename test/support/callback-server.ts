import { createServer, type Server } from 'node:http';
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
  const server: Server = createServer((req, res) => {
    received.push(new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`));
    res.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
    });
    res.end('done');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    redirectUri: `http://127.0.0.1:${port}/cb`,
    received,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
