import { Injectable } from '@nestjs/common';
import {
  TokenSubjects,
  type RevokeUserGrantsRequest,
  type RevokeUserGrantsResponse,
} from '@latchkey/contracts';
import { BusClient } from '@latchkey/transport';
import { UserEvents, type UserAccessEndReason } from './user-events';

/**
 * Ends everything a user already holds: their grants (and so refresh tokens) at the token
 * service, and their SSO sessions through the UserEvents listeners. Both are attempted even if
 * one fails; the call then rejects (a token service that is down is TemporarilyUnavailable, 503)
 * and is safe to repeat.
 */
@Injectable()
export class UserAccessService {
  constructor(
    private readonly bus: BusClient,
    private readonly events: UserEvents,
  ) {}

  async endAccess(sub: string, reason: UserAccessEndReason): Promise<void> {
    const results = await Promise.allSettled([
      this.revokeGrants(sub),
      this.events.accessEnded({ sub, reason }),
    ]);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }

  private async revokeGrants(sub: string): Promise<void> {
    const request: RevokeUserGrantsRequest = { sub };
    await this.bus.request<RevokeUserGrantsResponse>(TokenSubjects.RevokeUserGrants, request);
  }
}
