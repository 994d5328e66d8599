import { HttpException, HttpStatus, type Logger } from '@nestjs/common';
import {
  InvalidRequest,
  isBackendUnavailable,
  NotFound,
  OAuthError,
  ServerError,
  toOAuthError,
} from '@latchkey/oauth';
import type { Response } from 'express';
import {
  DEFAULT_RETRY_AFTER_SECONDS,
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
 * What any exception at the edge answers as: an OAuth error as itself, a backend outage as the
 * generic 503, the framework's errors by their status, anything else a generic `server_error`
 * (its detail to the log only).
 */
export function edgeErrorOf(exception: unknown, logger: Logger): OAuthError {
  const known = toOAuthError(exception);
  if (known) {
    if (isBackendUnavailable(exception)) {
      logger.warn(`backend unavailable: ${describe(exception)}`);
    }
    return known;
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status >= 500) {
      logger.error(exception);
      return new ServerError();
    }
    return fromFrameworkError(status);
  }
  logger.error(exception instanceof Error ? exception.stack : describe(exception));
  return new ServerError();
}

/**
 * RFC 6749 §5.2 error JSON, never cached (RFC 6749 §5.1), with what the status calls for: the
 * authentication challenge (Basic for `invalid_client`, Bearer for `invalid_token` and
 * `insufficient_scope`, RFC 6750 §3), `Allow` for 405 and `Retry-After` for 429 and 503.
 */
export function sendOAuthError(res: Response, error: OAuthError, issuer: string): void {
  markOAuthError(res, error);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  const challenge = challengeFor(error, issuer);
  if (challenge) res.setHeader('WWW-Authenticate', challenge);
  for (const [name, value] of Object.entries(errorHeaders(error))) res.setHeader(name, value);
  res.status(error.status).json(error.toJSON());
}

/** `Allow` (RFC 9110 §10.2.1) and `Retry-After` (§10.2.3) of an error, wherever it is rendered. */
export function errorHeaders(error: OAuthError): Record<string, string> {
  const headers: Record<string, string> = {};
  if (error instanceof MethodNotAllowed) headers.Allow = error.allowed.join(', ');
  const retryAfter = retryAfterOf(error);
  if (retryAfter) headers['Retry-After'] = retryAfter;
  return headers;
}

function challengeFor(error: OAuthError, issuer: string): string | undefined {
  const realm = `realm=${quoted(issuer)}`;
  if (error.status === 401 && error.error === 'invalid_client') return `Basic ${realm}`;
  // RFC 6750 §3.1: a request that sent no Bearer credentials gets a challenge without an error.
  if (error instanceof MissingBearerToken) return `Bearer ${realm}`;
  if (
    (error.status === 401 && error.error === 'invalid_token') ||
    (error.status === 403 && error.error === 'insufficient_scope')
  ) {
    const description = error.description ? `, error_description=${quoted(error.description)}` : '';
    return `Bearer ${realm}, error=${quoted(error.error)}${description}`;
  }
  return undefined;
}

/** Retry-After for a rate limit (its own or the default) and for an outage. */
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

function describe(value: unknown): string {
  return value instanceof Error ? `${value.name}: ${value.message}` : String(value);
}

/**
 * Notes on the response which OAuth error it carries (JSON, error page or error redirect), for
 * the request's metrics and log line (libs/platform), which see the response but not the error.
 */
export function markOAuthError(res: Response, error: OAuthError): void {
  // Express gives every response its locals; a bare response object (a test's) has none.
  if (res.locals) res.locals.oauthError = error.error;
}

/** The OAuth error a response was marked with, if any. */
export function oauthErrorOf(res: { locals?: Record<string, unknown> }): string | undefined {
  const error = res.locals?.oauthError;
  return typeof error === 'string' ? error : undefined;
}
