import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { drainHttp, trackInFlightRequests } from './http-drain';

describe('drainHttp (graceful stop)', () => {
  let server: http.Server;
  let port: number;

  beforeEach(async () => {
    server = http.createServer((_req, res) => {
      setTimeout(() => res.end('done'), 300);
    });
    trackInFlightRequests(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const get = () =>
    new Promise<{ status?: number; body?: string; error?: string }>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code }));
    });

  it('answers the request in flight, refuses new connections, and resolves once done', async () => {
    const inFlight = get();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const drained = drainHttp(server, 5_000);
    // A new connection is refused: a load balancer sends it to another replica.
    await expect(get()).resolves.toEqual({ error: 'ECONNREFUSED' });
    await expect(inFlight).resolves.toEqual({ status: 200, body: 'done' });
    await drained;
  });

  it('gives up waiting after its bound', async () => {
    let answered = false;
    const inFlight = get().then(() => (answered = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await drainHttp(server, 50);
    // Returned while the request was still being answered: the application's close takes over.
    expect(answered).toBe(false);
    await inFlight;
  });
});
