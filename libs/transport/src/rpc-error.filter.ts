import { type ArgumentsHost, Catch, Logger, type RpcExceptionFilter } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { type SerializedOAuthError, ServerError, toOAuthError } from '@latchkey/oauth';
import { type Observable, throwError } from 'rxjs';
import { toBusError } from './bus.errors';
import { RequestContext } from './request-context';

/**
 * The server half of error transport. Nest would collapse every error into
 * `{ status: 'error', message: 'Internal server error' }`; this filter sends an OAuthError as data
 * (`serialize()`) for BusClient to rebuild, a backend outage (database, KV store, bus) as 503
 * `temporarily_unavailable` (one classification: `toOAuthError` of @latchkey/oauth), and anything
 * else as a generic `server_error`, its detail logged here and never put on the wire.
 *
 * Nest hands the value thrown by `throwError` to the transport as the packet's `err` unchanged, so
 * the client receives exactly this object (JSON on NATS, a JSON copy in-process).
 */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter<unknown, SerializedOAuthError> {
  private readonly logger = new Logger(RpcErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    const value = exception instanceof RpcException ? exception.getError() : exception;
    const error = toOAuthError(toBusError(value));
    if (error?.status === 503) {
      // Fail closed, and say which backend was down: the caller only learns "try again later".
      this.logger.warn(`${this.where(host)} answered ${error.error}: ${describe(value)}`);
      return throwError(() => error.serialize());
    }
    if (error) {
      // An expected outcome (invalid_grant, not_found, ...), not a fault of this service.
      this.logger.debug(`${this.where(host)} answered ${error.error}`);
      return throwError(() => error.serialize());
    }
    const stack = exception instanceof Error ? exception.stack : undefined;
    this.logger.error(`${this.where(host)} failed: ${describe(exception)}`, stack);
    return throwError(() => new ServerError().serialize());
  }

  private where(host: ArgumentsHost): string {
    const context: unknown = host.getType() === 'rpc' ? host.switchToRpc().getContext() : undefined;
    const getSubject = (context as { getSubject?: unknown } | undefined)?.getSubject;
    const subject = typeof getSubject === 'function' ? String(getSubject.call(context)) : 'handler';
    const requestId = RequestContext.requestId();
    return requestId ? `"${subject}" (request ${requestId})` : `"${subject}"`;
  }
}

function describe(exception: unknown): string {
  if (exception instanceof Error) return `${exception.name}: ${exception.message}`;
  try {
    return JSON.stringify(exception)?.slice(0, 500) ?? String(exception);
  } catch {
    return String(exception);
  }
}
