import { Logger } from '@nestjs/common';
import type { ClientRecord } from '@latchkey/contracts';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClientsCache } from '@latchkey/registry-client';
import { webClient } from '../fixtures/client.fixture';
import { BackchannelLogoutSender, type LogoutTokenDelivery } from './backchannel-logout.sender';
import type { BackchannelLogoutOptions } from './backchannel-logout.options';
import { backchannelTargetProblem } from './backchannel-target';

interface Received {
  path: string;
  contentType?: string;
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, index: number) => void;

/** A relying party's back-channel endpoint on loopback, answering as each test scripts it. */
async function startTarget() {
  const received: Received[] = [];
  const held: ServerResponse[] = [];
  let handler: Handler = (_req, res) => res.writeHead(200).end();
  let onRequest: (() => void) | undefined;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body });
      handler(req, res, received.length - 1);
      onRequest?.();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    uri: `http://127.0.0.1:${port}/backchannel`,
    received,
    held,
    answer(next: Handler) {
      handler = next;
    },
    /** Resolves when the target has received `count` requests in all. */
    requests(count: number): Promise<void> {
      return new Promise((resolve) => {
        const check = () => {
          if (received.length >= count) resolve();
        };
        onRequest = check;
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const OPTIONS: BackchannelLogoutOptions = {
  timeoutMs: 300,
  retryDelaysMs: [5, 5],
  concurrency: 2,
  maxPending: 10,
};

describe('BackchannelLogoutSender', () => {
  let target: Awaited<ReturnType<typeof startTarget>>;
  let clients: Map<string, ClientRecord>;
  let sender: BackchannelLogoutSender;
  let warn: jest.SpyInstance;

  beforeEach(async () => {
    target = await startTarget();
    clients = new Map([['web-app', webClient({ backchannel_logout_uri: target.uri })]]);
    const cache = { get: async (id: string) => clients.get(id) ?? null } as unknown as ClientsCache;
    sender = new BackchannelLogoutSender(cache, OPTIONS);
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    sender.onModuleDestroy();
    for (const res of target.held) res.destroy();
    await target.close();
    jest.restoreAllMocks();
  });

  const delivery = (overrides: Partial<LogoutTokenDelivery> = {}): LogoutTokenDelivery => ({
    client_id: 'web-app',
    backchannel_logout_uri: target.uri,
    logout_token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln',
    ...overrides,
  });

  const failures = () =>
    warn.mock.calls
      .map(([entry]) => entry as { event?: string; attempts?: number; reason?: string })
      .filter((entry) => entry.event === 'backchannel_logout.failed');

  it('POSTs the token as a form to the registered URI', async () => {
    sender.send([delivery()]);
    await sender.idle();
    expect(target.received).toEqual([
      {
        path: '/backchannel',
        contentType: 'application/x-www-form-urlencoded',
        body: 'logout_token=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln',
      },
    ]);
    expect(failures()).toEqual([]);
  });

  it('does not make the caller wait for the relying party', async () => {
    target.answer((_req, res) => target.held.push(res));
    let idle = false;
    expect(sender.send([delivery()])).toBeUndefined();
    const finished = sender.idle().then(() => (idle = true));
    await target.requests(1);
    // The relying party has not answered yet, and the sender is still waiting for it.
    expect(idle).toBe(false);
    target.held[0]!.writeHead(200).end();
    await finished;
    expect(failures()).toEqual([]);
  });

  it('retries a 5xx, 429 or 408 with backoff until it is delivered', async () => {
    const statuses = [503, 429, 200];
    target.answer((_req, res, i) => res.writeHead(statuses[i]!).end());
    sender.send([delivery()]);
    await sender.idle();
    expect(target.received).toHaveLength(3);
    expect(failures()).toEqual([]);
  });

  it('gives up after the last attempt, and logs it without the token', async () => {
    target.answer((_req, res) => res.writeHead(500).end());
    sender.send([delivery()]);
    await sender.idle();
    expect(target.received).toHaveLength(3);
    expect(failures()).toEqual([expect.objectContaining({ attempts: 3, reason: 'HTTP 500' })]);
    expect(JSON.stringify(warn.mock.calls)).not.toContain(delivery().logout_token);
  });

  it('abandons an attempt that takes too long and tries again', async () => {
    target.answer((_req, res, i) => (i === 0 ? target.held.push(res) : res.writeHead(204).end()));
    sender.send([delivery()]);
    await sender.idle();
    expect(target.received).toHaveLength(2);
    expect(failures()).toEqual([]);
  });

  it('retries an unreachable relying party, then gives up', async () => {
    await target.close();
    sender.send([delivery()]);
    await sender.idle();
    expect(failures()).toEqual([expect.objectContaining({ attempts: 3 })]);
  });

  it.each([
    [400, 'the relying party refused the token'],
    [302, 'a redirect is not followed'],
  ])('does not retry a %s (%s)', async (status) => {
    target.answer((_req, res) =>
      res.writeHead(status, status === 302 ? { location: '/elsewhere' } : {}).end(),
    );
    sender.send([delivery()]);
    await sender.idle();
    expect(target.received.map((r) => r.path)).toEqual(['/backchannel']);
    expect(failures()).toEqual([
      expect.objectContaining({ attempts: 1, reason: `HTTP ${status}` }),
    ]);
  });

  it.each<[string, () => void, Partial<LogoutTokenDelivery>]>([
    [
      'a URI the client did not register',
      () => undefined,
      { backchannel_logout_uri: 'http://127.0.0.1:9/x' },
    ],
    ['an unknown client', () => undefined, { client_id: 'no-such-app' }],
    [
      'a disabled client',
      () => clients.set('web-app', { ...clients.get('web-app')!, disabled: true }),
      {},
    ],
    ['a client without back-channel logout', () => clients.set('web-app', webClient()), {}],
  ])('sends nothing to %s', async (_what, arrange, overrides) => {
    arrange();
    sender.send([delivery(overrides)]);
    await sender.idle();
    expect(target.received).toEqual([]);
    expect(failures()).toHaveLength(1);
  });

  it('drops deliveries beyond the queue bound instead of growing without limit', async () => {
    target.answer((_req, res) => target.held.push(res));
    sender.send(Array.from({ length: OPTIONS.maxPending + 3 }, () => delivery()));
    const dropped = warn.mock.calls.filter(
      ([entry]) => (entry as { event?: string }).event === 'backchannel_logout.dropped',
    );
    expect(dropped).toHaveLength(3);
  });

  it('drops pending retries at shutdown (they live in memory only)', async () => {
    const slow = new BackchannelLogoutSender(
      { get: async () => clients.get('web-app')! } as unknown as ClientsCache,
      { ...OPTIONS, retryDelaysMs: [60_000] },
    );
    target.answer((_req, res) => res.writeHead(503).end());
    slow.send([delivery()]);
    await target.requests(1);
    // Whether the 503 is handled before (a retry waits) or after (the attempt is aborted): no more.
    slow.onModuleDestroy();
    await slow.idle();
    expect(target.received).toHaveLength(1);
    slow.send([delivery()]);
    await slow.idle();
    expect(target.received).toHaveLength(1);
  });
});

describe('backchannelTargetProblem', () => {
  const uri = 'https://app.example.test/backchannel';
  const client = webClient({ backchannel_logout_uri: uri });

  it('accepts exactly the registered URI of an active client', () => {
    expect(backchannelTargetProblem(uri, client)).toBeUndefined();
    expect(
      backchannelTargetProblem('http://127.0.0.1:8080/bc', {
        ...client,
        backchannel_logout_uri: 'http://127.0.0.1:8080/bc',
      }),
    ).toBeUndefined();
  });

  it.each<[string, string, ClientRecord | null, string]>([
    ['unknown client', uri, null, 'unknown'],
    ['disabled client', uri, { ...client, disabled: true }, 'disabled'],
    ['not registered', uri, webClient(), 'no backchannel_logout_uri'],
    ['another URI', `${uri}/other`, client, 'not the client'],
    [
      'plain http to a remote host',
      'http://app.example.test/bc',
      { ...client, backchannel_logout_uri: 'http://app.example.test/bc' },
      'must use https',
    ],
    [
      'another scheme',
      'ftp://app.example.test/bc',
      { ...client, backchannel_logout_uri: 'ftp://app.example.test/bc' },
      'ftp',
    ],
  ])('refuses %s', (_what, target, record, problem) => {
    expect(backchannelTargetProblem(target, record)).toContain(problem);
  });
});
