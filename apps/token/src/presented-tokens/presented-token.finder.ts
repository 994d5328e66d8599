import { Injectable } from '@nestjs/common';
import type { ValidateAccessTokenResponse } from '@latchkey/contracts';
import { AccessTokenValidator } from '../access-tokens/access-token.validator';
import {
  GrantManagementService,
  type StoredRefreshToken,
} from '../user-grants/grant-management.service';
import { lookupOrder, type PresentedTokenParams } from './token-type-hint';

export type ActiveAccessToken = Extract<ValidateAccessTokenResponse, { active: true }>;

/** A token a client handed back, as we know it. */
export type PresentedToken =
  | { type: 'access_token'; claims: ActiveAccessToken }
  | ({ type: 'refresh_token' } & StoredRefreshToken);

/**
 * Finds a token presented at revocation or introspection, in the order the hint suggests: an
 * access token only while it is active (signed by us, unexpired, not revoked, its grant live;
 * anything else is as good as unknown), a refresh token in whatever state it is (its caller
 * judges it). Nothing found: null.
 */
@Injectable()
export class PresentedTokenFinder {
  constructor(
    private readonly accessTokens: AccessTokenValidator,
    private readonly grants: GrantManagementService,
  ) {}

  async find({ token, hint }: PresentedTokenParams): Promise<PresentedToken | null> {
    for (const type of lookupOrder(hint)) {
      const found =
        type === 'access_token'
          ? await this.findAccessToken(token)
          : await this.findRefreshToken(token);
      if (found) return found;
    }
    return null;
  }

  private async findAccessToken(token: string): Promise<PresentedToken | null> {
    // Ours are JWTs; an opaque value is not worth a signature check.
    if (token.split('.').length !== 3) return null;
    const validated = await this.accessTokens.validate({ token });
    return validated.active ? { type: 'access_token', claims: validated } : null;
  }

  private async findRefreshToken(token: string): Promise<PresentedToken | null> {
    // Ours are opaque base64url; a JWT is not one.
    if (token.includes('.')) return null;
    const stored = await this.grants.findRefreshToken(token);
    return stored ? { type: 'refresh_token', ...stored } : null;
  }
}
