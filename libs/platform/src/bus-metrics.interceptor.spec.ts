import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { EventPattern, MessagePattern } from '@nestjs/microservices';
import { lastValueFrom, of, throwError } from 'rxjs';
import { BusMetricsInterceptor } from './bus-metrics.interceptor';
import { busMessagesHandled } from './metrics';

class Handlers {
  @MessagePattern('test.metrics.request')
  request(): void {}

  @EventPattern<string>('test.metrics.event')
  event(): void {}
}

function rpcContext(handler: (...args: never[]) => unknown, type = 'rpc'): ExecutionContext {
  return { getType: () => type, getHandler: () => handler } as unknown as ExecutionContext;
}

async function countOf(subject: string, outcome: string): Promise<number> {
  const { values } = await busMessagesHandled().get();
  const found = values.find(
    (v) =>
      v.labels.service === 'svc' && v.labels.subject === subject && v.labels.outcome === outcome,
  );
  return found?.value ?? 0;
}

describe('BusMetricsInterceptor', () => {
  const interceptor = new BusMetricsInterceptor('svc');
  const handlers = new Handlers();
  const answer: CallHandler = { handle: () => of('answer') };
  const failure: CallHandler = { handle: () => throwError(() => new Error('boom')) };

  it('counts a handled message by its registered subject, ok or error', async () => {
    const context = rpcContext(handlers.request);
    const ok = await countOf('test.metrics.request', 'ok');
    const errors = await countOf('test.metrics.request', 'error');

    await expect(lastValueFrom(interceptor.intercept(context, answer))).resolves.toBe('answer');
    await expect(lastValueFrom(interceptor.intercept(context, failure))).rejects.toThrow('boom');

    expect(await countOf('test.metrics.request', 'ok')).toBe(ok + 1);
    expect(await countOf('test.metrics.request', 'error')).toBe(errors + 1);
  });

  it('counts events too', async () => {
    const before = await countOf('test.metrics.event', 'ok');
    await lastValueFrom(interceptor.intercept(rpcContext(handlers.event), answer));
    expect(await countOf('test.metrics.event', 'ok')).toBe(before + 1);
  });

  it('leaves HTTP requests to the HTTP metrics', async () => {
    const before = await countOf('test.metrics.request', 'ok');
    await lastValueFrom(interceptor.intercept(rpcContext(handlers.request, 'http'), answer));
    expect(await countOf('test.metrics.request', 'ok')).toBe(before);
  });
});
