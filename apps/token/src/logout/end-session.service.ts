import { ClientsCache } from '@latchkey/registry-client';
import { Injectable, Logger } from '@nestjs/common';
import type { EndSessionResponse } from '@latchkey/contracts';
import type { TokenClient } from '../clients/client-record';
import { GrantManagementService } from '../user-grants/grant-management.service';
import { readEndSessionRequest } from './end-session.request';
import { LogoutTokenSigner } from './logout-token.signer';

type LogoutDelivery = EndSessionResponse['logout_tokens'][number];

/**
 * `token.session.end`: the gateway ended an SSO session (RP-initiated logout, the user's
 * account page, an admin). The session's online grants are revoked (their refresh tokens at
 * once, their access tokens at their next validation); offline_access grants survive
 * (OpenID Back-Channel Logout §2.7). Every client that holds a grant from the session, whatever
 * its state, and registered a `backchannel_logout_uri` gets one Logout Token, for the gateway to
 * deliver: each RP ends its own session for this `sid`.
 */
@Injectable()
export class EndSessionService {
  private readonly logger = new Logger(EndSessionService.name);

  constructor(
    private readonly grants: GrantManagementService,
    private readonly clients: ClientsCache,
    private readonly logoutTokens: LogoutTokenSigner,
  ) {}

  async end(raw: unknown): Promise<EndSessionResponse> {
    const { sid, sub } = readEndSessionRequest(raw);
    const ended = await this.grants.endSession(sid, sub);
    const clientIds = [...new Set(ended.grants.map((grant) => grant.clientId))];
    const logout_tokens: LogoutDelivery[] = [];
    for (const clientId of clientIds) {
      const client = await this.clients.get(clientId);
      if (!hasBackchannelLogout(client)) continue;
      logout_tokens.push({
        client_id: client.client_id,
        backchannel_logout_uri: client.backchannel_logout_uri,
        logout_token: await this.logoutTokens.sign({ client, sub, sid }),
      });
    }
    this.logger.log({
      event: 'session.ended',
      sid,
      grants: ended.grants.length,
      revoked: ended.revoked.length,
      logout_tokens: logout_tokens.length,
    });
    return { logout_tokens };
  }
}

/** A client still registered, with a back-channel logout endpoint. */
function hasBackchannelLogout(
  client: TokenClient | null,
): client is TokenClient & { backchannel_logout_uri: string } {
  return typeof client?.backchannel_logout_uri === 'string' && client.backchannel_logout_uri !== '';
}
