import { type ArgumentsHost, Catch, Logger, type RpcExceptionFilter } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { OAuthError, type SerializedOAuthError, ServerError } from '@latchkey/oauth';
import { type Observable, throwError } from 'rxjs';
import { RequestContext } from './request-context';

/**
 * The server half of error transport. Nest would collapse every error into
 * `{ status: 'error', message: 'Internal server error' }`; this filter sends an OAuthError as data
 * (`serialize()`) for BusClient to rebuild, and anything else as a generic `server_error`, its
 * detail logged here and never put on the wire.
 *
 * Nest hands the value thrown by `throwError` to the transport as the packet's `err` unchanged, so
 * the client receives exactly this object (JSON on NATS, a JSON copy in-process).
 */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter<unknown, SerializedOAuthError> {
  private readonly logger = new Logger(RpcErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    const error = this.toOAuthError(exception);
    if (error) {
      // An expected outcome (invalid_grant, not_found, ...), not a fault of this service.
      this.logger.debug(`${this.where(host)} answered ${error.error}`);
      return throwError(() => error.serialize());
    }
    const stack = exception instanceof Error ? exception.stack : undefined;
    this.logger.error(`${this.where(host)} failed: ${describe(exception)}`, stack);
    return throwError(() => new ServerError().serialize());
  }

  private toOAuthError(exception: unknown): OAuthError | undefined {
    const value = exception instanceof RpcException ? exception.getError() : exception;
    if (value instanceof OAuthError) return value;
    if (OAuthError.isSerialized(value)) return OAuthError.deserialize(value);
    return undefined;
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
