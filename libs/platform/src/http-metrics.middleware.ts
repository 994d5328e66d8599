import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import { oauthErrorOf } from '@latchkey/oauth-http';
import type { NextFunction, Request, Response } from 'express';
import { httpRequestDuration, oauthErrorLabel, oauthErrors } from './metrics';
import { PLATFORM_SERVICE } from './platform-service';
import { routeTemplate } from './route-template';

/**
 * Times every HTTP request and counts the OAuth errors it answered, labelled by route template
 * (not raw path) to keep cardinality bounded.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  private readonly histogram = httpRequestDuration();
  private readonly errors = oauthErrors();

  constructor(@Inject(PLATFORM_SERVICE) private readonly service: string) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const end = this.histogram.startTimer();
    res.on('finish', () => {
      const route = routeTemplate(req);
      end({ service: this.service, method: req.method, route, status: String(res.statusCode) });
      const error = oauthErrorOf(res);
      if (error !== undefined) {
        this.errors.inc({ service: this.service, endpoint: route, error: oauthErrorLabel(error) });
      }
    });
    next();
  }
}
