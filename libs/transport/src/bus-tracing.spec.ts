import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { EventPattern, MessagePattern } from '@nestjs/microservices';
import { InvalidGrant, TemporarilyUnavailable } from '@latchkey/oauth';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { defer, lastValueFrom, of, throwError } from 'rxjs';
import { BusTracingInterceptor, injectTraceContext, traceBusCall } from './bus-tracing';
import { InProcessContext } from './in-process/in-process.context';
import { RequestContext } from './request-context';
import { createHeaders, type TransportHeaders } from './transport-headers';

class Handlers {
  @MessagePattern('test.tracing.request')
  request(): void {}

  @EventPattern<string>('test.tracing.event')
  event(): void {}
}

const handlers = new Handlers();

function rpcContext(
  handler: (...args: never[]) => unknown,
  subject: string,
  headers: TransportHeaders | undefined,
): ExecutionContext {
  const rpc = new InProcessContext([subject, headers]);
  return {
    getType: () => 'rpc',
    getHandler: () => handler,
    switchToRpc: () => ({ getContext: () => rpc }),
  } as unknown as ExecutionContext;
}

/** A bus call made inside a request; the headers its message would carry. */
async function sentHeaders(subject = 'test.tracing.request'): Promise<TransportHeaders> {
  const headers = createHeaders();
  await RequestContext.run({ requestId: 'req-1' }, () =>
    traceBusCall(subject, 'request', async () => injectTraceContext(headers)),
  );
  return headers;
}

describe('bus tracing with tracing off', () => {
  it('adds no trace header and runs handlers unchanged', async () => {
    const headers = await sentHeaders();
    expect(headers.has('traceparent')).toBe(false);
    const answer: CallHandler = { handle: () => of('answer') };
    const intercepted = new BusTracingInterceptor().intercept(
      rpcContext(handlers.request, 'test.tracing.request', headers),
      answer,
    );
    await expect(lastValueFrom(intercepted)).resolves.toBe('answer');
  });
});

describe('bus tracing with tracing on', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const interceptor = new BusTracingInterceptor();

  beforeAll(() => provider.register());
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });
  afterEach(() => exporter.reset());

  const spanNamed = (name: string, kind: SpanKind) =>
    exporter.getFinishedSpans().find((span) => span.name === name && span.kind === kind);

  it('sends the client span as the traceparent, with the request id on the span', async () => {
    const headers = await sentHeaders();
    const client = spanNamed('test.tracing.request', SpanKind.CLIENT)!;
    const { traceId, spanId } = client.spanContext();
    expect(headers.get('traceparent')).toBe(`00-${traceId}-${spanId}-01`);
    expect(client.attributes).toMatchObject({
      'latchkey.request_id': 'req-1',
      'messaging.system': 'nats',
      'messaging.destination.name': 'test.tracing.request',
    });
  });

  it("runs a handler in a server span, the child of the sender's", async () => {
    const headers = await sentHeaders();
    let active: string | undefined;
    const handle: CallHandler = {
      handle: () => defer(async () => (active = trace.getActiveSpan()?.spanContext().spanId)),
    };
    await RequestContext.run({ requestId: 'req-1' }, () =>
      lastValueFrom(
        interceptor.intercept(
          rpcContext(handlers.request, 'x.test.tracing.request', headers),
          handle,
        ),
      ),
    );
    const client = spanNamed('test.tracing.request', SpanKind.CLIENT)!;
    // Named after the registered subject, not the prefixed one on the wire.
    const server = spanNamed('test.tracing.request', SpanKind.SERVER)!;
    expect(server.spanContext().traceId).toBe(client.spanContext().traceId);
    expect(server.parentSpanContext?.spanId).toBe(client.spanContext().spanId);
    expect(active).toBe(server.spanContext().spanId);
    expect(server.attributes['latchkey.request_id']).toBe('req-1');
  });

  it('makes an event handler a consumer span; without headers, the root of a trace', async () => {
    await lastValueFrom(
      interceptor.intercept(rpcContext(handlers.event, 'test.tracing.event', undefined), {
        handle: () => of(undefined),
      }),
      { defaultValue: undefined },
    );
    const consumer = spanNamed('test.tracing.event', SpanKind.CONSUMER)!;
    expect(consumer.parentSpanContext).toBeUndefined();
  });

  it('records an OAuth error answer by its code, and a failure as an error', async () => {
    const context = rpcContext(handlers.request, 'test.tracing.request', await sentHeaders());
    exporter.reset();
    await expect(
      lastValueFrom(
        interceptor.intercept(context, { handle: () => throwError(() => new InvalidGrant()) }),
      ),
    ).rejects.toBeInstanceOf(InvalidGrant);
    const answered = spanNamed('test.tracing.request', SpanKind.SERVER)!;
    expect(answered.attributes['latchkey.oauth_error']).toBe('invalid_grant');
    expect(answered.status.code).toBe(SpanStatusCode.UNSET);

    exporter.reset();
    await expect(
      traceBusCall('test.tracing.request', 'request', () =>
        Promise.reject(new TemporarilyUnavailable()),
      ),
    ).rejects.toBeInstanceOf(TemporarilyUnavailable);
    const failed = spanNamed('test.tracing.request', SpanKind.CLIENT)!;
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.attributes['latchkey.oauth_error']).toBe('temporarily_unavailable');
  });
});
