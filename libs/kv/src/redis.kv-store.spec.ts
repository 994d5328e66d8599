import { isBackendUnavailable } from '@latchkey/oauth';
import { ReplyError as UntypedReplyError } from 'ioredis';
import { MaxRetriesPerRequestError as UntypedMaxRetriesError } from 'ioredis/built/errors';
import { createServer } from 'node:net';
import { RedisKvStore } from './redis.kv-store';

// ioredis declares ReplyError as `any`, and MaxRetriesPerRequestError extends an untyped base.
const ReplyError = UntypedReplyError as new (message: string) => Error;
const MaxRetriesPerRequestError = UntypedMaxRetriesError as unknown as new (max: number) => Error;

/** A loopback port nobody listens on: taken, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ioredis' failures become KV_UNAVAILABLE, the code the one outage mapping of @latchkey/oauth
// answers with 503; the store against a live Redis is covered by redis.kv-store.int-spec.ts.
describe('RedisKvStore: an unreachable Redis', () => {
  let store: RedisKvStore;
  const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

  beforeEach(async () => {
    store = new RedisKvStore({
      url: `redis://127.0.0.1:${await closedPort()}`,
      readyWaitMs: 200,
      connectTimeoutMs: 200,
      logger: silent,
    });
  });
  afterEach(() => store.close());

  it('rejects every operation with KV_UNAVAILABLE', async () => {
    for (const operation of [
      () => store.get('k'),
      () => store.set('k', 'v'),
      () => store.getDel('k'),
    ]) {
      const thrown: unknown = await operation().catch((err: unknown) => err);
      expect(thrown).toMatchObject({ code: 'KV_UNAVAILABLE' });
      expect(isBackendUnavailable(thrown)).toBe(true);
    }
  });

  it("classifies ioredis' connection and max-retries errors as unavailable, a bad command not", () => {
    const mapError = (err: unknown) => store['mapError'](err);
    for (const err of [
      new MaxRetriesPerRequestError(0),
      new Error('Connection is closed.'),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }),
      new ReplyError('LOADING Redis is loading the dataset in memory'),
    ]) {
      expect(mapError(err)).toMatchObject({ code: 'KV_UNAVAILABLE', cause: err });
    }
    const wrongType = new ReplyError('WRONGTYPE Operation against a key holding the wrong kind');
    expect(mapError(wrongType)).toBe(wrongType);
    expect(isBackendUnavailable(mapError(wrongType))).toBe(false);
  });
});
