import { NoRespondersError } from '@nats-io/nats-core';
import type { ClientNats, ServerNats, WritePacket } from '@nestjs/microservices';
import { isNoResponders } from '../bus.errors';
import { createNatsClient, natsServerOptions } from './nats.options';

/** NATS_SUBJECT_PREFIX (docs/nats.md): the contract's subjects inside, the prefixed ones on the wire. */
describe('an installation subject prefix', () => {
  function subscriptions(prefix: string | undefined): string[] {
    const { strategy } = natsServerOptions({
      natsUrl: 'nats://127.0.0.1:4222',
      name: 'token',
      queue: 'token',
      subjectPrefix: prefix,
    });
    const server = strategy as unknown as ServerNats;
    server.addHandler('token.request', () => Promise.resolve(undefined));
    server.addHandler('client.changed', () => Promise.resolve(undefined), true);
    const subscribed: Array<{ subject: string; queue?: string }> = [];
    server.bindEvents({
      subscribe: (subject: string, options: { queue?: string }) => {
        subscribed.push({ subject, queue: options.queue });
        return { unsubscribe: () => undefined };
      },
    });
    expect(subscribed.every((s) => s.queue === 'token')).toBe(true);
    return subscribed.map((s) => s.subject);
  }

  function sentOn(prefix: string | undefined, pattern: string): string {
    const client = createNatsClient({
      natsUrl: 'nats://127.0.0.1:4222',
      name: 'x',
      subjectPrefix: prefix,
    });
    return (
      client as unknown as { normalizePattern(p: string): string } & ClientNats
    ).normalizePattern(pattern);
  }

  it('subscribes the servers to the prefixed subjects, in the same queue group', () => {
    expect(subscriptions('acme')).toEqual(['acme.token.request', 'acme.client.changed']);
  });

  it('sends requests and events on the prefixed subjects', () => {
    expect(sentOn('acme.prod', 'token.request')).toBe('acme.prod.token.request');
  });

  it('leaves the contract subjects as they are without a prefix', () => {
    expect(subscriptions(undefined)).toEqual(['token.request', 'client.changed']);
    expect(sentOn(undefined, 'clients.get')).toBe('clients.get');
  });
});

describe('a request nobody subscribes to', () => {
  const packet = { id: 'p1', pattern: 'clients.get', data: {} };

  it('fails with NoResponders (retry-safe for BusClient), not as an empty answer', async () => {
    const client = createNatsClient({ natsUrl: 'nats://127.0.0.1:4222', name: 'gateway-client' });
    const answers: WritePacket[] = [];
    const handler = client.createSubscriptionHandler(packet, (answer) => answers.push(answer));
    // What NATS sends to the reply inbox: an empty message with the 503 status header.
    await handler(null, { data: new Uint8Array(), headers: { code: 503 } });
    expect(answers).toHaveLength(1);
    expect(answers[0]!.err).toBeInstanceOf(NoRespondersError);
    expect(isNoResponders(answers[0]!.err)).toBe(true);
    expect(answers[0]!.isDisposed).toBe(true);
  });

  it('leaves an empty answer of a service an empty answer (not retried)', async () => {
    const client = createNatsClient({ natsUrl: 'nats://127.0.0.1:4222', name: 'gateway-client' });
    const answers: WritePacket[] = [];
    const handler = client.createSubscriptionHandler(packet, (answer) => answers.push(answer));
    await handler(null, { data: new Uint8Array() });
    expect(answers).toHaveLength(1);
    expect(isNoResponders(answers[0]!.err)).toBe(false);
  });
});
