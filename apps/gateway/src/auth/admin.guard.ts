import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { AuditClient } from '@latchkey/audit-client';
import { ADMIN_SCOPE, InsufficientScope, OAuthError } from '@latchkey/oauth';
import { RequestContext } from '@latchkey/transport';
import type { Request } from 'express';
import { AccessTokenClaims, AccessTokenVerifier } from './access-token.verifier';
import { readBearerToken } from './bearer-token';

/** A request that passed a Bearer guard carries the verified claims. */
export type AuthenticatedRequest = Request & { accessToken?: AccessTokenClaims };

/**
 * The admin API's door: `Authorization: Bearer <RFC 9068 access token>` with scope `admin`.
 * No or a bad token is 401 invalid_token, a good token without the scope 403 insufficient_scope;
 * the filter adds the RFC 6750 challenge. A refusal is audited (`admin_access.denied`); an
 * admitted request acts as the admin client, which every audit event it causes names as its
 * actor, across the bus too (docs/audit-events.md).
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly audit: AuditClient,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    let claims: AccessTokenClaims | undefined;
    try {
      claims = await this.verifier.verify(readBearerToken(request.headers.authorization));
      checkAdminScope(claims);
    } catch (err) {
      if (err instanceof OAuthError && err.status < 500)
        await this.recordDenied(request, err, claims);
      throw err;
    }
    request.accessToken = claims;
    RequestContext.setActor({ type: 'admin', id: claims.client_id });
    return true;
  }

  private async recordDenied(
    request: Request,
    err: OAuthError,
    claims: AccessTokenClaims | undefined,
  ): Promise<void> {
    await this.audit.record('admin_access.denied', {
      subject: claims?.client_id,
      actor: claims ? { type: 'client', id: claims.client_id } : { type: 'anonymous' },
      data: {
        client_id: claims?.client_id,
        reason: err.error === 'insufficient_scope' ? 'insufficient_scope' : 'invalid_token',
        method: request.method,
        path: request.path,
      },
    });
  }
}

export function checkAdminScope(claims: AccessTokenClaims): void {
  if (!claims.scopes.has(ADMIN_SCOPE)) {
    throw new InsufficientScope(`the access token lacks the ${ADMIN_SCOPE} scope`);
  }
}
