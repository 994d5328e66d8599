import { Injectable, NestMiddleware } from '@nestjs/common';
import { InvalidRequest, OAuthError } from '@latchkey/oauth';
import { MAX_BODY_BYTES, verifyJsonBody } from '@latchkey/platform';
import { json } from 'express';
import type { NextFunction, Request, Response } from 'express';

const parseMergePatch = json({
  type: 'application/merge-patch+json',
  limit: MAX_BODY_BYTES,
  verify: verifyJsonBody,
});

/**
 * RFC 7396 bodies (`application/merge-patch+json`) for the PATCH routes, with the platform's JSON
 * checks. Under startService the platform's JSON parser has read them already and this passes;
 * an application built without it (a test app) parses them here. Parse failures are thrown, so
 * the exception filter renders them.
 */
@Injectable()
export class MergePatchJsonMiddleware implements NestMiddleware {
  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      parseMergePatch(req, res, (err?: unknown) =>
        err ? reject(toInvalidRequest(err)) : resolve(),
      );
    });
    next();
  }
}

/** The same answers the platform gives for its other bodies (413 too large, else 400). */
function toInvalidRequest(err: unknown): OAuthError {
  const status = (err as { status?: unknown } | null)?.status;
  return status === 413
    ? new OAuthError(413, 'invalid_request', 'request body too large')
    : new InvalidRequest('malformed request body');
}
