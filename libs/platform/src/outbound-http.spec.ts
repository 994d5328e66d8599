import { STRICT_OUTBOUND_POLICY, type OutboundPolicy } from '@latchkey/oauth';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { outboundFetch, OutboundRefused, type HostResolver } from './outbound-http';

/**
 * Every test talks to loopback only. Refusals are asserted from the policy's decision: the
 * resolver below records the names asked, and a refused call must not reach the server.
 */
const LOOPBACK: OutboundPolicy = { allowPrivate: false, allowedCidrs: ['127.0.0.0/8'] };

describe('outboundFetch', () => {
  let server: Server;
  let port: number;
  let received: { method?: string; host?: string; url?: string; body: string }[];
  let answer: (req: IncomingMessage, res: import('node:http').ServerResponse) => void;

  beforeEach(async () => {
    received = [];
    answer = (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ method: req.method, host: req.headers.host, url: req.url, body });
        answer(req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const resolverOf = (answers: Record<string, string[]>) => {
    const asked: string[] = [];
    const resolve: HostResolver = async (name) => {
      asked.push(name);
      return answers[name] ?? [];
    };
    return { asked, resolve };
  };

  it('refuses a loopback target unless the operator allows it, without connecting', async () => {
    const call = outboundFetch(
      `http://127.0.0.1:${port}/x`,
      { method: 'GET', timeoutMs: 2000 },
      { policy: STRICT_OUTBOUND_POLICY },
    );
    await expect(call).rejects.toThrow(OutboundRefused);
    await expect(call).rejects.toMatchObject({ code: 'OUTBOUND_REFUSED' });
    expect(received).toEqual([]);
  });

  it('calls an allowed loopback target and answers a Response', async () => {
    const res = await outboundFetch(
      `http://127.0.0.1:${port}/bc`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'logout_token=abc',
        timeoutMs: 2000,
      },
      { policy: LOOPBACK },
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
    expect(received).toEqual([
      { method: 'POST', host: `127.0.0.1:${port}`, url: '/bc', body: 'logout_token=abc' },
    ]);
  });

  it('connects to the very address it checked for a host name', async () => {
    const dns = resolverOf({ 'rp.example.test': ['127.0.0.1'] });
    const res = await outboundFetch(
      `http://rp.example.test:${port}/bc`,
      { method: 'GET', timeoutMs: 2000 },
      { policy: LOOPBACK, resolve: dns.resolve },
    );
    expect(res.status).toBe(200);
    expect(dns.asked).toEqual(['rp.example.test']);
    expect(received[0]!.host).toBe(`rp.example.test:${port}`);
  });

  it.each([
    ['a private address', ['10.0.0.7']],
    ['a link-local address (cloud metadata)', ['169.254.169.254']],
    ['IPv6 loopback when only 127.0.0.0/8 is allowed', ['::1']],
    ['a mixed answer', ['127.0.0.1', '192.168.1.20']],
  ])('refuses a name that resolves to %s', async (_what, addresses) => {
    const dns = resolverOf({ 'rp.example.test': addresses });
    await expect(
      outboundFetch(
        `http://rp.example.test:${port}/bc`,
        { method: 'GET', timeoutMs: 2000 },
        { policy: LOOPBACK, resolve: dns.resolve },
      ),
    ).rejects.toThrow(/outbound call refused: the target resolves to an address that is a/);
    expect(received).toEqual([]);
  });

  it('refuses a name that resolves to a private address by default, https or not', async () => {
    const dns = resolverOf({ 'rp.example.test': ['127.0.0.1'] });
    await expect(
      outboundFetch(
        `https://rp.example.test:${port}/bc`,
        { method: 'GET', timeoutMs: 2000 },
        { policy: STRICT_OUTBOUND_POLICY, resolve: dns.resolve },
      ),
    ).rejects.toThrow(/is a loopback address/);
    expect(dns.asked).toEqual(['rp.example.test']);
    expect(received).toEqual([]);
  });

  it('never sends plain http to a public address', async () => {
    const dns = resolverOf({ 'rp.example.test': ['93.184.216.34'] });
    await expect(
      outboundFetch(
        'http://rp.example.test/bc',
        { method: 'GET', timeoutMs: 2000 },
        { policy: LOOPBACK, resolve: dns.resolve },
      ),
    ).rejects.toThrow(/must use https to reach a public address/);
  });

  it('does not follow a redirect', async () => {
    answer = (_req, res) => res.writeHead(302, { location: '/elsewhere' }).end();
    const res = await outboundFetch(
      `http://127.0.0.1:${port}/bc`,
      { method: 'GET', timeoutMs: 2000 },
      { policy: LOOPBACK },
    );
    expect(res.status).toBe(302);
    expect(received.map((r) => r.url)).toEqual(['/bc']);
  });

  it('abandons a target that does not answer in time', async () => {
    answer = () => undefined;
    const started = Date.now();
    await expect(
      outboundFetch(
        `http://127.0.0.1:${port}/slow`,
        { method: 'GET', timeoutMs: 200 },
        { policy: LOOPBACK },
      ),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('cuts an answer that is too large', async () => {
    answer = (_req, res) => res.writeHead(200).end('x'.repeat(10_000));
    await expect(
      outboundFetch(
        `http://127.0.0.1:${port}/big`,
        { method: 'GET', timeoutMs: 2000, maxResponseBytes: 1000 },
        { policy: LOOPBACK },
      ),
    ).rejects.toThrow(/too large/);
  });
});
