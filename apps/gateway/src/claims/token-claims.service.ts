import { Injectable } from '@nestjs/common';
import type { TokenClaimsRequest, TokenClaimsResponse } from '@latchkey/contracts';
import {
  GROUPS_SCOPE,
  type ClaimsRequest,
  InvalidRequest,
  OPENID_SCOPE,
  parseClaimsRequest,
  parseScope,
  selectClaims,
} from '@latchkey/oauth';
import { grantedClaims } from '../users/user-claims';
import { UsersService } from '../users/users.service';
import { ClaimScopesCache } from '@latchkey/registry-client';

/**
 * What the token service needs of a user to sign their tokens (`users.token_claims`,
 * docs/architecture.md §7): their roles, their groups when the scopes ask for them, and the
 * ID Token's claims. Read fresh at every issuance, so a refresh follows the user's current data.
 */
@Injectable()
export class TokenClaimsService {
  constructor(
    private readonly users: UsersService,
    private readonly claimScopes: ClaimScopesCache,
  ) {}

  async tokenClaims(request: TokenClaimsRequest): Promise<TokenClaimsResponse> {
    const user = await this.users.findActiveById(request.sub);
    if (!user) return { active: false };
    const scopes = parseScope(request.scope);
    const claimsRequest = readStoredClaimsRequest(request.claims_request);
    const granted = grantedClaims(user, scopes, await this.claimScopes.all());
    return {
      active: true,
      roles: [...user.roles],
      resource_roles: { ...user.resourceRoles },
      groups: scopes.has(GROUPS_SCOPE) ? [...user.groups] : undefined,
      id_token_claims: scopes.has(OPENID_SCOPE)
        ? selectClaims(granted, 'id_token', {
            allGranted: request.scope_claims_in_id_token,
            request: claimsRequest,
          })
        : {},
    };
  }
}

/** A `claims` request stored with a grant was checked when it was made; re-read it as such. */
export function readStoredClaimsRequest(raw: string | undefined): ClaimsRequest | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    return parseClaimsRequest(raw);
  } catch {
    throw new InvalidRequest('the stored claims request is not readable');
  }
}
