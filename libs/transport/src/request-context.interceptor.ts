import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { Observable } from 'rxjs';
import {
  ACTOR_HEADER,
  CALLER_IP_HEADER,
  CALLER_USER_AGENT_HEADER,
  REQUEST_ID_HEADER,
  RequestContext,
  type RequestContextData,
} from './request-context';
import { readHeader } from './transport-headers';

/**
 * Server side of request-id propagation: runs each message or event handler inside
 * `RequestContext.run` with the id from the `x-request-id` header, or a fresh one when the sender
 * had none (or sent something unfit for a log line), and the caller and actor the sender named
 * (for audit events; malformed values are dropped).
 */
@Injectable()
export class RequestContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const rpc: unknown = context.switchToRpc().getContext();
    const received = readHeader(rpc, REQUEST_ID_HEADER);
    const requestId = RequestContext.isValidRequestId(received)
      ? received
      : RequestContext.newRequestId();
    const store: RequestContextData = {
      requestId,
      caller: RequestContext.readCaller(
        readHeader(rpc, CALLER_IP_HEADER),
        readHeader(rpc, CALLER_USER_AGENT_HEADER),
      ),
      actor: RequestContext.parseActor(readHeader(rpc, ACTOR_HEADER)),
    };
    // Nest calls the handler when handle() is subscribed to, so subscribing inside run() puts the
    // handler and everything it awaits inside the context.
    return new Observable((subscriber) =>
      RequestContext.run(store, () => next.handle().subscribe(subscriber)),
    );
  }
}
