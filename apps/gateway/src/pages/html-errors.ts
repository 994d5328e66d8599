import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import type { Request } from 'express';
import type { Observable } from 'rxjs';

const HTML_ERRORS = Symbol('latchkey.htmlErrors');

type MarkedRequest = Request & { [HTML_ERRORS]?: true };

/**
 * Marks the request of a browser-facing route (authorize, login, consent) before its handler
 * runs, so the exception filter answers its errors with the error page rather than JSON.
 */
@Injectable()
export class HtmlErrorsInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    markHtmlErrors(context.switchToHttp().getRequest<Request>());
    return next.handle();
  }
}

/** Controller or handler decorator: errors of these routes are shown on the error page. */
export const HtmlErrors = (): MethodDecorator & ClassDecorator =>
  UseInterceptors(HtmlErrorsInterceptor);

/** Marks a request whose errors are shown on the error page (also before routing, at the edge). */
export function markHtmlErrors(req: Request): void {
  (req as MarkedRequest)[HTML_ERRORS] = true;
}

/** The browser-facing paths, whose controllers carry @HtmlErrors. */
export const HTML_ERROR_PATHS = ['/authorize', '/login', '/consent', '/logout'] as const;

export function wantsHtmlErrors(req: Request | undefined): boolean {
  return !!req && (req as MarkedRequest)[HTML_ERRORS] === true;
}
