import { Injectable, type NestMiddleware } from '@nestjs/common';
import { oauthErrorOf } from '@latchkey/oauth-http';
import { LatchkeySpanAttributes } from '@latchkey/tracing';
import { trace } from '@opentelemetry/api';
import type { Request, Response } from 'express';
import { claimedClientId } from './logging';
import { routeTemplate } from './route-template';

/** OpenTelemetry's `ATTR_HTTP_ROUTE`, spelled out: with tracing off, only the API is loaded. */
const ATTR_HTTP_ROUTE = 'http.route';

/**
 * Completes the HTTP server span (made by the tracing SDK's `http` instrumentation when tracing
 * is on) with what only the application knows: the route template it matched (also the span's
 * name, `POST /token`), the request id, the client the request names and the OAuth error it got.
 * Tracing off: there is no span, and this does nothing.
 */
@Injectable()
export class HttpTracingMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: () => void): void {
    const span = trace.getActiveSpan();
    if (span === undefined || !span.isRecording()) return next();
    // 'finish' comes before the 'close' on which the instrumentation ends the span.
    res.once('finish', () => {
      const route = routeTemplate(req);
      span.setAttribute(ATTR_HTTP_ROUTE, route);
      span.updateName(`${req.method} ${route}`);
      const requestId = (req as Request & { id?: string }).id;
      if (requestId !== undefined) span.setAttribute(LatchkeySpanAttributes.requestId, requestId);
      const clientId = claimedClientId(req);
      if (clientId !== undefined) span.setAttribute(LatchkeySpanAttributes.clientId, clientId);
      const error = oauthErrorOf(res);
      if (error !== undefined) span.setAttribute(LatchkeySpanAttributes.oauthError, error);
    });
    next();
  }
}
