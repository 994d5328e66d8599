import { type ArgumentsHost, Catch, type ExceptionFilter, Inject, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ISSUER } from './issuer.module';
import { edgeErrorOf, sendOAuthError } from './oauth-error.response';

/**
 * Errors of the OAuth JSON endpoints (token, introspection, revocation, key set) as RFC 6749
 * §5.2 JSON, the same in whichever service serves them.
 */
@Catch()
export class OAuthErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(OAuthErrorFilter.name);

  constructor(@Inject(ISSUER) private readonly issuer: string) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const error = edgeErrorOf(exception, this.logger);
    if (res.headersSent) return;
    sendOAuthError(res, error, this.issuer);
  }
}
