import type { ArgumentsHost } from '@nestjs/common';
import {
  InvalidClient,
  InvalidRequest,
  LoginRequired,
  TemporarilyUnavailable,
} from '@latchkey/oauth';
import type { Request, Response } from 'express';
import { HtmlErrorsInterceptor } from '../pages/html-errors';
import { PageRenderer } from '../pages/page.renderer';
import { MethodNotAllowed, TooManyRequests } from '@latchkey/oauth-http';
import { ErrorRedirect } from './error-redirect';
import { HttpExceptionFilter } from './http-exception.filter';

const ISSUER = 'https://id.example.test';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  location?: string;
}

/** Runs the filter on a request that went through @HtmlErrors (or not). */
function render(exception: unknown, html: boolean): Answer {
  const answer: Answer = { status: 0, headers: {}, body: undefined };
  const res = {
    headersSent: false,
    setHeader(name: string, value: string) {
      answer.headers[name.toLowerCase()] = value;
    },
    status(status: number) {
      answer.status = status;
      return res;
    },
    json(body: unknown) {
      answer.body = body;
      return res;
    },
    send(body: unknown) {
      answer.body = body;
      return res;
    },
    redirect(status: number, location: string) {
      answer.status = status;
      answer.location = location;
    },
  };
  const req = { headers: {}, id: 'req-42' } as unknown as Request;
  if (html) {
    const context = { switchToHttp: () => ({ getRequest: () => req }) };
    new HtmlErrorsInterceptor().intercept(context as never, { handle: () => undefined as never });
  }
  const host = {
    switchToHttp: () => ({ getResponse: () => res as unknown as Response, getRequest: () => req }),
  } as unknown as ArgumentsHost;
  new HttpExceptionFilter(ISSUER, new PageRenderer(ISSUER)).catch(exception, host);
  return answer;
}

describe('HttpExceptionFilter on browser-facing routes', () => {
  it('answers an ErrorRedirect with 303 to the client, never cached', () => {
    const location = `https://app.example/cb?error=login_required&state=s&iss=${encodeURIComponent(ISSUER)}`;
    const answer = render(new ErrorRedirect(location, new LoginRequired()), true);
    expect(answer.status).toBe(303);
    expect(answer.location).toBe(location);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['referrer-policy']).toBe('no-referrer');
  });

  it('shows other errors on the error page with the page headers and the request id', () => {
    const answer = render(new InvalidRequest('client_id does not identify an active client'), true);
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(answer.headers['x-frame-options']).toBe('DENY');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.body).toContain('<code>invalid_request</code>');
    expect(answer.body).toContain('<code>req-42</code>');
  });

  it('never answers 401 on a page (no challenge a browser could act on)', () => {
    expect(render(new InvalidClient(), true).status).toBe(400);
  });

  it('adds Retry-After to 429 and 503 pages, Allow to 405', () => {
    const limited = render(new TooManyRequests(120), true);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('120');
    const down = render(new TemporarilyUnavailable(), true);
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBe('5');
    expect(render(new MethodNotAllowed(['GET', 'POST']), true).headers.allow).toBe('GET, POST');
  });

  it('hides an unexpected error behind a generic 500 page', () => {
    const answer = render(new Error('password=hunter2'), true);
    expect(answer.status).toBe(500);
    expect(String(answer.body)).not.toContain('hunter2');
    expect(answer.body).toContain('<code>server_error</code>');
  });

  it('keeps JSON for the other routes', () => {
    const answer = render(new TooManyRequests(30), false);
    expect(answer.status).toBe(429);
    expect(answer.headers['retry-after']).toBe('30');
    expect(answer.body).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'too many attempts; try again later',
    });
  });
});
