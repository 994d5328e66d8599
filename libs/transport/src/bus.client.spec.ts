import { NoRespondersError } from '@nats-io/nats-core';
import { ClientSubjects, TokenSubjects } from '@latchkey/contracts';
import { TemporarilyUnavailable } from '@latchkey/oauth';
import { BehaviorSubject, defer, type Observable, of, throwError } from 'rxjs';
import { BusClient, type BusClientProxy, NO_RESPONDERS_RETRY_PAUSES_MS } from './bus.client';
import { NoRespondersError as InProcessNoResponders } from './in-process/in-process.client';

/**
 * A bus on which nobody listens to the first `missing` sends (a rolling restart between one
 * replica leaving and the next joining), then a replica answers.
 */
function rollingRestartBus(
  missing: number,
  noResponders: () => Error = () => new NoRespondersError('x'),
) {
  const sends: Array<{ subject: string; at: number }> = [];
  const proxy: BusClientProxy = {
    status: new BehaviorSubject('connected') as Observable<string>,
    connect: async () => undefined,
    close: async () => undefined,
    emit: <T>() => of(undefined as T),
    send: <T>(pattern: unknown) =>
      defer(() => {
        sends.push({ subject: String(pattern), at: Date.now() });
        return sends.length <= missing ? throwError(noResponders) : of({ ok: true } as T);
      }),
  };
  return { proxy, sends };
}

describe('BusClient on "no responders"', () => {
  it('sends a retry-safe request again until a replica answers', async () => {
    const { proxy, sends } = rollingRestartBus(2);
    const bus = new BusClient(proxy, { timeoutMs: 5_000 });
    await expect(bus.request(ClientSubjects.Get, { client_id: 'c' })).resolves.toEqual({
      ok: true,
    });
    expect(sends).toHaveLength(3);
    // With a pause between the sends, so that a restarting replica can subscribe.
    expect(sends[1]!.at - sends[0]!.at).toBeGreaterThanOrEqual(
      NO_RESPONDERS_RETRY_PAUSES_MS[0]! - 5,
    );
  });

  it('retries the in-process bus\'s "no responders" too', async () => {
    const { proxy, sends } = rollingRestartBus(1, () => new InProcessNoResponders('x'));
    const bus = new BusClient(proxy, { timeoutMs: 5_000 });
    await expect(bus.request(TokenSubjects.Introspect, {})).resolves.toEqual({ ok: true });
    expect(sends).toHaveLength(2);
  });

  it('never sends a code redemption twice: 503 after one send', async () => {
    const { proxy, sends } = rollingRestartBus(1);
    const bus = new BusClient(proxy, { timeoutMs: 5_000 });
    await expect(bus.request(TokenSubjects.Request, {})).rejects.toBeInstanceOf(
      TemporarilyUnavailable,
    );
    expect(sends).toHaveLength(1);
  });

  it('gives up with 503 once the pauses are spent', async () => {
    const { proxy, sends } = rollingRestartBus(Infinity);
    const bus = new BusClient(proxy, { timeoutMs: 10_000 });
    await expect(bus.request(ClientSubjects.Get, {})).rejects.toBeInstanceOf(
      TemporarilyUnavailable,
    );
    expect(sends).toHaveLength(NO_RESPONDERS_RETRY_PAUSES_MS.length + 1);
  });

  it('never retries past the deadline', async () => {
    const { proxy, sends } = rollingRestartBus(Infinity);
    const bus = new BusClient(proxy, { timeoutMs: 120 });
    const started = Date.now();
    await expect(bus.request(ClientSubjects.Get, {})).rejects.toBeInstanceOf(
      TemporarilyUnavailable,
    );
    // 50 ms + 100 ms of pauses would end after the 120 ms deadline: two sends, not three.
    expect(sends).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(120 + 1_000);
  });

  it('does not retry other failures of a retry-safe subject', async () => {
    const { proxy, sends } = rollingRestartBus(1, () => new Error('connection closed'));
    const bus = new BusClient(proxy, { timeoutMs: 5_000 });
    await expect(bus.request(ClientSubjects.Get, {})).rejects.toBeInstanceOf(
      TemporarilyUnavailable,
    );
    expect(sends).toHaveLength(1);
  });
});
