import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { httpRequestDuration } from './metrics';

/** Times every HTTP request; labels by route pattern (not raw path) to keep cardinality bounded. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  private readonly histogram = httpRequestDuration();

  use(req: Request, res: Response, next: NextFunction): void {
    const end = this.histogram.startTimer();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      end({ method: req.method, route: `${req.baseUrl}${route}`, status: String(res.statusCode) });
    });
    next();
  }
}
