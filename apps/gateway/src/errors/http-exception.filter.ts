import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import {
  InvalidRequest,
  isBackendUnavailable,
  NotFound,
  OAuthError,
  ServerError,
  toOAuthError,
} from '@latchkey/oauth';
import type { Request, Response } from 'express';
import { errorPage } from '../pages/error.page';
import { wantsHtmlErrors } from '../pages/html-errors';
import type { PageRenderer } from '../pages/page.renderer';
import {
  DEFAULT_RETRY_AFTER_SECONDS,
  ErrorRedirect,
  MethodNotAllowed,
  MissingBearerToken,
  TooManyRequests,
} from './edge-errors';

/**
 * The framework's own HTTP errors (unknown route, bad JSON, body too large) as OAuth errors. Their
 * messages are never passed on: an unknown route's names the path and query it was asked for, a
 * parser's quotes the body. A media type the endpoint does not take is 400 invalid_request, as
 * OAuth clients expect (RFC 6749 §5.2); a rate limit is the one TooManyRequests answer.
 */
function fromFrameworkError(status: number): OAuthError {
  switch (status) {
    case HttpStatus.NOT_FOUND:
      return new NotFound();
    case HttpStatus.TOO_MANY_REQUESTS:
      return new TooManyRequests();
    case HttpStatus.PAYLOAD_TOO_LARGE:
      return new OAuthError(status, 'invalid_request', 'request body too large');
    case HttpStatus.METHOD_NOT_ALLOWED:
      return new OAuthError(status, 'invalid_request', 'method not allowed');
    default:
      return new InvalidRequest('malformed request');
  }
}

/**
 * The one place errors become HTTP responses at the edge. OAuth errors render as RFC 6749 §5.2
 * JSON; anything unexpected becomes a generic `server_error` (detail to the log only), and a
 * backend outage a generic 503. Authentication failures carry their challenge: Basic for
 * `invalid_client` (RFC 6749 §5.2), Bearer for `invalid_token` / `insufficient_scope` (RFC 6750 §3).
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
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Pragma', 'no-cache');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.redirect(303, exception.location);
      return;
    }
    const error = this.toOAuthError(exception);
    if (res.headersSent) return;
    const req = http.getRequest<Request | undefined>();
    if (this.pages && wantsHtmlErrors(req)) {
      this.pages.send(res, errorPage(pageModelOf(error, req)));
      return;
    }
    // Errors can carry what a request was refused for; no cache may keep them (RFC 6749 §5.1).
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    const challenge = this.challengeFor(error);
    if (challenge) res.setHeader('WWW-Authenticate', challenge);
    if (error instanceof MethodNotAllowed) res.setHeader('Allow', error.allowed.join(', '));
    const retryAfter = retryAfterOf(error);
    if (retryAfter) res.setHeader('Retry-After', retryAfter);
    res.status(error.status).json(error.toJSON());
  }

  private challengeFor(error: OAuthError): string | undefined {
    const realm = `realm=${quoted(this.issuer)}`;
    if (error.status === 401 && error.error === 'invalid_client') return `Basic ${realm}`;
    // RFC 6750 §3.1: a request that sent no Bearer credentials gets a challenge without an error.
    if (error instanceof MissingBearerToken) return `Bearer ${realm}`;
    if (
      (error.status === 401 && error.error === 'invalid_token') ||
      (error.status === 403 && error.error === 'insufficient_scope')
    ) {
      const description = error.description
        ? `, error_description=${quoted(error.description)}`
        : '';
      return `Bearer ${realm}, error=${quoted(error.error)}${description}`;
    }
    return undefined;
  }

  private toOAuthError(exception: unknown): OAuthError {
    const known = toOAuthError(exception);
    if (known) {
      if (isBackendUnavailable(exception)) {
        this.logger.warn(`backend unavailable: ${describe(exception)}`);
      }
      return known;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status >= 500) {
        this.logger.error(exception);
        return new ServerError();
      }
      return fromFrameworkError(status);
    }
    this.logger.error(exception instanceof Error ? exception.stack : describe(exception));
    return new ServerError();
  }
}

/** Retry-After (RFC 9110 §10.2.3) for a rate limit (its own or the default) and for an outage. */
function retryAfterOf(error: OAuthError): string | undefined {
  if (error instanceof TooManyRequests) return String(error.retryAfterSeconds);
  if (error.status === 429) return String(DEFAULT_RETRY_AFTER_SECONDS);
  if (error.status === 503) return '5';
  return undefined;
}

/**
 * An auth-param value as a quoted-string. RFC 6750 §3 allows only %x20-21 / %x23-5B / %x5D-7E in
 * error and error_description, so anything else (quotes, backslashes, control characters,
 * non-ASCII) is dropped rather than escaped: the header can never be broken out of.
 */
function quoted(value: string): string {
  return `"${value.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '')}"`;
}

/**
 * The error page for an error: its status, except that a page never answers 401 (that needs an
 * HTTP authentication challenge a browser would act on), and Retry-After where one applies.
 */
function pageModelOf(error: OAuthError, req: Request | undefined): Parameters<typeof errorPage>[0] {
  const headers: Record<string, string> = {};
  if (error instanceof MethodNotAllowed) headers.Allow = error.allowed.join(', ');
  const retryAfter = retryAfterOf(error);
  if (retryAfter) headers['Retry-After'] = retryAfter;
  const requestId = (req as (Request & { id?: unknown }) | undefined)?.id;
  return {
    status: error.status === 401 ? 400 : error.status,
    error: error.error,
    description: error.description,
    requestId: typeof requestId === 'string' ? requestId : undefined,
    headers,
  };
}

function describe(value: unknown): string {
  return value instanceof Error ? `${value.name}: ${value.message}` : String(value);
}
