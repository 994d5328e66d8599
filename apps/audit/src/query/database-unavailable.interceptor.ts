import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  Logger,
  type NestInterceptor,
} from '@nestjs/common';
import { OAuthError, TemporarilyUnavailable } from '@latchkey/oauth';
import { isDatabaseUnavailable } from '@latchkey/persistence';
import { catchError, type Observable, throwError } from 'rxjs';

/**
 * A database that cannot be reached is 503 temporarily_unavailable (fail closed), not the
 * server_error every other unexpected error becomes on the bus.
 */
@Injectable()
export class DatabaseUnavailableInterceptor implements NestInterceptor {
  private readonly logger = new Logger(DatabaseUnavailableInterceptor.name);

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((err: unknown) => {
        if (!(err instanceof OAuthError) && isDatabaseUnavailable(err)) {
          this.logger.warn(`database unavailable: ${err instanceof Error ? err.message : err}`);
          return throwError(() => new TemporarilyUnavailable());
        }
        return throwError(() => err);
      }),
    );
  }
}
