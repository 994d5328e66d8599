import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ADMIN_SCOPE, InsufficientScope } from '@latchkey/oauth';
import type { Request } from 'express';
import { AccessTokenClaims, AccessTokenVerifier } from './access-token.verifier';
import { readBearerToken } from './bearer-token';

/** A request that passed a Bearer guard carries the verified claims (for audit, later). */
export type AuthenticatedRequest = Request & { accessToken?: AccessTokenClaims };

/**
 * The admin API's door: `Authorization: Bearer <RFC 9068 access token>` with scope `admin`.
 * No or a bad token is 401 invalid_token, a good token without the scope 403 insufficient_scope;
 * the filter adds the RFC 6750 challenge.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly verifier: AccessTokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const claims = await this.verifier.verify(readBearerToken(request.headers.authorization));
    checkAdminScope(claims);
    request.accessToken = claims;
    return true;
  }
}

export function checkAdminScope(claims: AccessTokenClaims): void {
  if (!claims.scopes.has(ADMIN_SCOPE)) {
    throw new InsufficientScope(`the access token lacks the ${ADMIN_SCOPE} scope`);
  }
}
