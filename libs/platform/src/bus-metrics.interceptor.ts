import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { type Observable, tap } from 'rxjs';
import { handlerSubject } from '@latchkey/transport';
import { busMessagesHandled } from './metrics';

/**
 * Counts every message and event a bus handler took, by the handler's registered pattern (a subject
 * from libs/contracts, so the label set is bounded by the code, never by what a sender chose) and
 * by outcome: `ok`, or `error` for anything the handler threw (an OAuthError answer included).
 */
@Injectable()
export class BusMetricsInterceptor implements NestInterceptor {
  private readonly counter = busMessagesHandled();

  constructor(private readonly service: string) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const subject = handlerSubject(context);
    const count = (outcome: 'ok' | 'error') =>
      this.counter.inc({ service: this.service, subject, outcome });
    return next.handle().pipe(tap({ complete: () => count('ok'), error: () => count('error') }));
  }
}
