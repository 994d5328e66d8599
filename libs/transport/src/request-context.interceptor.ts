import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  Logger,
  type NestInterceptor,
} from '@nestjs/common';
import { Observable, throwError } from 'rxjs';
import {
  ACTOR_HEADER,
  CALLER_IP_HEADER,
  CALLER_USER_AGENT_HEADER,
  CallerGaveUpError,
  DEADLINE_HEADER,
  REQUEST_ID_HEADER,
  RequestContext,
  type RequestContextData,
} from './request-context';
import { readHeader } from './transport-headers';

/**
 * Server side of request-id and deadline propagation: runs each message or event handler inside
 * `RequestContext.run` with the id from the `x-request-id` header (a fresh one when the sender
 * had none, or sent something unfit for a log line), the caller and actor the sender named (for
 * audit events; malformed values are dropped), and the caller's deadline from
 * `latchkey-deadline`. A request whose caller has already given up (it sat in a paused bus or
 * replica past its deadline) is dropped before its handler runs: nobody would read the answer,
 * and a change it made (a refresh rotation) would be lost to its client (docs/architecture.md
 * §2.8).
 */
@Injectable()
export class RequestContextInterceptor implements NestInterceptor {
  private readonly logger = new Logger(RequestContextInterceptor.name);

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const rpc = context.switchToRpc().getContext<unknown>();
    const received = readHeader(rpc, REQUEST_ID_HEADER);
    const requestId = RequestContext.isValidRequestId(received)
      ? received
      : RequestContext.newRequestId();
    const deadline = RequestContext.parseDeadline(readHeader(rpc, DEADLINE_HEADER));
    if (deadline !== undefined && Date.now() >= deadline) {
      this.logger.warn(
        `dropped request ${requestId}: its caller gave up ${Date.now() - deadline} ms ago`,
      );
      return throwError(() => new CallerGaveUpError());
    }
    const store: RequestContextData = {
      requestId,
      deadline,
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
