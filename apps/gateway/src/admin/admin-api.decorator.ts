import { applyDecorators, UseGuards, UseInterceptors } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiServiceUnavailableResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AdminGuard } from '../auth/admin.guard';
import { OAuthErrorDto } from '../errors/oauth-error.dto';
import { NoStoreInterceptor } from '../http/no-store.interceptor';

/** Name of the admin access token scheme in the OpenAPI document. */
export const ADMIN_BEARER = 'admin';

/**
 * What every admin controller shares: the admin Bearer token, no caching, and the error answers
 * every endpoint can give.
 */
export function AdminApi(): ClassDecorator {
  return applyDecorators(
    UseGuards(AdminGuard),
    UseInterceptors(NoStoreInterceptor),
    ApiBearerAuth(ADMIN_BEARER),
    ApiUnauthorizedResponse({
      type: OAuthErrorDto,
      description: 'invalid_token: no access token, or not a valid one (WWW-Authenticate: Bearer)',
    }),
    ApiForbiddenResponse({
      type: OAuthErrorDto,
      description: 'insufficient_scope: the access token lacks the admin scope',
    }),
    ApiServiceUnavailableResponse({
      type: OAuthErrorDto,
      description: 'temporarily_unavailable: a backend service is unreachable',
    }),
  );
}
