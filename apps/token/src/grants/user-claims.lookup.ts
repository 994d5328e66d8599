import { Injectable } from '@nestjs/common';
import {
  type TokenClaimsRequest,
  type TokenClaimsResponse,
  UserSubjects,
} from '@latchkey/contracts';
import { formatScope, InvalidGrant, TemporarilyUnavailable } from '@latchkey/oauth';
import { BusClient } from '@latchkey/transport';
import type { Audience } from '../access-tokens/audience.resolver';
import type { TokenClient } from '../clients/client-record';
import type { GrantEntity } from '../user-grants/grant.entity';

export type UserTokenClaims = Extract<TokenClaimsResponse, { active: true }>;

/**
 * The user's roles, groups and ID Token claims for a token being issued, asked of the gateway,
 * which owns users (`users.token_claims`, docs/architecture.md §7). Asked at every code exchange
 * and refresh, so tokens follow the user's current data; a user who is gone or disabled gets no
 * token (invalid_grant), and a gateway that cannot answer fails the request (503).
 */
@Injectable()
export class UserClaimsLookup {
  constructor(private readonly bus: BusClient) {}

  async lookup(
    client: TokenClient,
    grant: GrantEntity,
    scopes: ReadonlySet<string>,
  ): Promise<UserTokenClaims> {
    const request: TokenClaimsRequest = {
      sub: grant.sub,
      client_id: client.client_id,
      scope: formatScope(scopes),
      scope_claims_in_id_token: client.id_token_claims === true,
      claims_request: grant.claimsRequest ?? undefined,
    };
    const answer = await this.bus.request<TokenClaimsResponse | null>(
      UserSubjects.TokenClaims,
      request,
    );
    if (!answer || typeof answer !== 'object') throw new TemporarilyUnavailable();
    if (answer.active !== true) throw new InvalidGrant('the user can no longer sign in');
    return answer;
  }
}

/**
 * The `roles` claim of an access token: the user's global roles, and their roles for each of the
 * token's audiences that the resource still defines (a role the resource dropped stops being
 * issued at once, without touching users). A token for the issuer carries the global roles only.
 */
export function rolesForAudience(claims: UserTokenClaims, audience: Audience): string[] {
  const roles = new Set(claims.roles);
  for (const resource of audience.resources) {
    const defined = new Set(resource.roles ?? []);
    const assigned = Object.hasOwn(claims.resource_roles, resource.identifier)
      ? claims.resource_roles[resource.identifier]
      : [];
    for (const role of assigned ?? []) if (defined.has(role)) roles.add(role);
  }
  return [...roles];
}
