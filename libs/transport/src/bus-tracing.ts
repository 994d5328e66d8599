import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { PATTERN_HANDLER_METADATA, PATTERN_METADATA } from '@nestjs/microservices/constants';
import { PatternHandler } from '@nestjs/microservices/enums/pattern-handler.enum';
import { OAuthError } from '@latchkey/oauth';
import { LatchkeySpanAttributes } from '@latchkey/tracing';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';
import { finalize, Observable, tap } from 'rxjs';
import { RequestContext } from './request-context';
import { readHeader, type TransportHeaders } from './transport-headers';

/**
 * One trace across the bus (docs/architecture.md §1.1): a bus call is a client (request) or
 * producer (event) span named after its subject, whose W3C trace context (`traceparent`,
 * `tracestate`) travels in the message headers beside the request id; the receiving handler runs
 * in a server (or consumer) span, its child, named after the same subject. Made through
 * `@opentelemetry/api`, these are no-ops unless the process started tracing (@latchkey/tracing).
 */
const tracer = trace.getTracer('@latchkey/transport');

/** OpenTelemetry's messaging conventions, as the spans of both ends carry them. */
const MESSAGING_SYSTEM = 'messaging.system';
const MESSAGING_DESTINATION = 'messaging.destination.name';

/**
 * Whether this process traces: the SDK registers its propagator with its tracer provider, and the
 * no-op API has none. With tracing off a bus call pays for this check and nothing else.
 */
function tracing(): boolean {
  return propagation.fields().length > 0;
}

const headerSetter: TextMapSetter<TransportHeaders> = {
  set: (headers, key, value) => headers.set(key, value),
};

/** Reads the trace context from whatever RPC context the transport handed the handler. */
const rpcContextGetter: TextMapGetter<unknown> = {
  get: (rpc, key) => readHeader(rpc, key),
  keys: () => [],
};

/** Adds the current trace context to a message's headers (nothing when tracing is off). */
export function injectTraceContext(headers: TransportHeaders): void {
  if (tracing()) propagation.inject(context.active(), headers, headerSetter);
}

/**
 * Runs a bus call in a span of its own, so that the headers its message carries name that span
 * as the parent of the handler's. `TemporarilyUnavailable` and other failures mark the span as
 * failed; an OAuth error answer is recorded by its code.
 */
export function traceBusCall<T>(
  subject: string,
  kind: 'request' | 'event',
  call: () => Promise<T>,
): Promise<T> {
  if (!tracing()) return call();
  return tracer.startActiveSpan(
    subject,
    {
      kind: kind === 'request' ? SpanKind.CLIENT : SpanKind.PRODUCER,
      attributes: busSpanAttributes(subject, RequestContext.requestId()),
    },
    async (span) => {
      try {
        return await call();
      } catch (err) {
        recordFailure(span, err);
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * Server side: each message or event handler runs in a span that continues the sender's trace,
 * named after the handler's subject and carrying the request id. Registered after
 * `RequestContextInterceptor`, so the request's context is already open.
 */
@Injectable()
export class BusTracingInterceptor implements NestInterceptor {
  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (execution.getType() !== 'rpc' || !tracing()) return next.handle();
    const parent = propagation.extract(
      ROOT_CONTEXT,
      execution.switchToRpc().getContext<unknown>(),
      rpcContextGetter,
    );
    const subject = handlerSubject(execution);
    const isEvent =
      Reflect.getMetadata(PATTERN_HANDLER_METADATA, execution.getHandler()) ===
      PatternHandler.EVENT;
    const span = tracer.startSpan(
      subject,
      {
        kind: isEvent ? SpanKind.CONSUMER : SpanKind.SERVER,
        attributes: busSpanAttributes(subject, RequestContext.requestId()),
      },
      parent,
    );
    return new Observable((subscriber) =>
      context.with(trace.setSpan(parent, span), () =>
        next
          .handle()
          .pipe(
            tap({ error: (err: unknown) => recordFailure(span, err) }),
            finalize(() => span.end()),
          )
          .subscribe(subscriber),
      ),
    );
  }
}

/**
 * The subject a handler was registered for (from libs/contracts, without the installation's
 * prefix): a name bounded by the code, never by what a sender chose.
 */
export function handlerSubject(execution: ExecutionContext): string {
  const patterns: unknown = Reflect.getMetadata(PATTERN_METADATA, execution.getHandler());
  const first: unknown = Array.isArray(patterns) ? patterns[0] : patterns;
  return typeof first === 'string' ? first : 'unknown';
}

function busSpanAttributes(subject: string, requestId: string | undefined) {
  return {
    [MESSAGING_SYSTEM]: 'nats',
    [MESSAGING_DESTINATION]: subject,
    ...(requestId === undefined ? {} : { [LatchkeySpanAttributes.requestId]: requestId }),
  };
}

/** An OAuth error is an answer (its code is kept); a 503 or anything else is a failure. */
function recordFailure(span: Span, err: unknown): void {
  if (err instanceof OAuthError) {
    span.setAttribute(LatchkeySpanAttributes.oauthError, err.error);
    if (err.status < 500) return;
  }
  // The error's name, not its message: a message may quote what the caller sent.
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: err instanceof Error ? err.name : 'error',
  });
}
