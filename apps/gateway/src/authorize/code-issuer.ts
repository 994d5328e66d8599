import { Inject, Injectable } from '@nestjs/common';
import { TokenSubjects, type IssueCodeRequest, type IssueCodeResponse } from '@latchkey/contracts';
import { formatScope, TemporarilyUnavailable } from '@latchkey/oauth';
import { BusClient } from '@latchkey/transport';
import { ISSUER } from '@latchkey/oauth-http';
import type { AuthenticatedUser } from './authorization-decision';
import type { AuthorizationRequest } from './authorization-request';
import { successRedirect, toClient } from './authorization-response';

/**
 * The last step: the token service mints the code (bound to everything below), and the answer is
 * the success redirect. A token service that cannot be reached is a 503 page, never a redirect
 * without a code; a refusal (the client changed meanwhile) goes back to the client.
 */
@Injectable()
export class CodeIssuer {
  constructor(
    private readonly bus: BusClient,
    @Inject(ISSUER) private readonly issuer: string,
  ) {}

  async issue(request: AuthorizationRequest, user: AuthenticatedUser): Promise<string> {
    let issued: IssueCodeResponse;
    try {
      issued = await this.bus.request<IssueCodeResponse>(
        TokenSubjects.IssueCode,
        issueCodeRequestOf(request, user),
      );
    } catch (err) {
      throw toClient(request, err, this.issuer);
    }
    if (typeof issued?.code !== 'string' || issued.code === '') {
      throw new TemporarilyUnavailable();
    }
    return successRedirect(request, issued.code, this.issuer);
  }
}

/** The wire form: only what the code must be bound to, nothing the page needed. */
export function issueCodeRequestOf(
  request: AuthorizationRequest,
  user: AuthenticatedUser,
): IssueCodeRequest {
  const message: IssueCodeRequest = {
    client_id: request.client_id,
    redirect_uri: request.redirect_uri,
    redirect_uri_explicit: request.redirect_uri_explicit,
    scope: formatScope(request.scopes),
    sub: user.sub,
    auth_time: user.auth_time,
    sid: user.sid,
  };
  if (user.amr.length > 0) message.amr = [...user.amr];
  if (user.acr !== undefined) message.acr = user.acr;
  if (user.idp !== undefined) message.idp = user.idp;
  if (request.code_challenge !== undefined) {
    message.code_challenge = request.code_challenge;
    message.code_challenge_method = request.code_challenge_method ?? 'S256';
  }
  if (request.nonce !== undefined) message.nonce = request.nonce;
  if (request.resource !== undefined) message.resource = request.resource;
  if (request.claims !== undefined) message.claims = request.claims;
  return message;
}
