import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { OAuthError } from '@latchkey/oauth';
import { edgeErrorOf, errorHeaders, markOAuthError, sendOAuthError } from '@latchkey/oauth-http';
import type { Request, Response } from 'express';
import { errorPage } from '../pages/error.page';
import { wantsHtmlErrors } from '../pages/html-errors';
import type { PageRenderer } from '../pages/page.renderer';
import { ErrorRedirect } from './error-redirect';

/**
 * The one place errors become HTTP responses at the gateway. OAuth errors render as RFC 6749 §5.2
 * JSON, exactly as at the token endpoints (libs/oauth-http): anything unexpected becomes a generic
 * `server_error` (detail to the log only), a backend outage a generic 503, and authentication
 * failures carry their challenge.
 *
 * Browser-facing routes (marked with @HtmlErrors) get the error page instead of JSON, and an
 * authorization error that belongs to the client (ErrorRedirect) becomes a 303 to its
 * redirect_uri (RFC 6749 §4.1.2.1).
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpExceptionFilter.name);

  constructor(
    private readonly issuer: string,
    private readonly pages?: PageRenderer,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    if (exception instanceof ErrorRedirect) {
      if (res.headersSent) return;
      markOAuthError(res, exception.error);
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Pragma', 'no-cache');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.redirect(303, exception.location);
      return;
    }
    const error = edgeErrorOf(exception, this.logger);
    if (res.headersSent) return;
    const req = http.getRequest<Request | undefined>();
    if (this.pages && wantsHtmlErrors(req)) {
      markOAuthError(res, error);
      this.pages.send(res, errorPage(pageModelOf(error, req)));
      return;
    }
    sendOAuthError(res, error, this.issuer);
  }
}

/**
 * The error page for an error: its status, except that a page never answers 401 (that needs an
 * HTTP authentication challenge a browser would act on), and Allow or Retry-After where they apply.
 */
function pageModelOf(error: OAuthError, req: Request | undefined): Parameters<typeof errorPage>[0] {
  const requestId = (req as (Request & { id?: unknown }) | undefined)?.id;
  return {
    status: error.status === 401 ? 400 : error.status,
    error: error.error,
    description: error.description,
    requestId: typeof requestId === 'string' ? requestId : undefined,
    headers: errorHeaders(error),
  };
}
