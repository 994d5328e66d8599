import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { Observable } from 'rxjs';
import { REQUEST_ID_HEADER, RequestContext } from './request-context';
import { readHeader } from './transport-headers';

/**
 * Server side of request-id propagation: runs each message or event handler inside
 * `RequestContext.run` with the id from the `x-request-id` header, or a fresh one when the sender
 * had none (or sent something unfit for a log line).
 */
@Injectable()
export class RequestContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const received = readHeader(context.switchToRpc().getContext(), REQUEST_ID_HEADER);
    const requestId = RequestContext.isValidRequestId(received)
      ? received
      : RequestContext.newRequestId();
    // Nest calls the handler when handle() is subscribed to, so subscribing inside run() puts the
    // handler and everything it awaits inside the context.
    return new Observable((subscriber) =>
      RequestContext.run({ requestId }, () => next.handle().subscribe(subscriber)),
    );
  }
}
