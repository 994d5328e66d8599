import { ClientsCache } from '@latchkey/registry-client';
import { AuditClient } from '@latchkey/audit-client';
import { randomUUID } from 'node:crypto';
import { RequestContext } from '@latchkey/transport';
import { Injectable, Logger } from '@nestjs/common';
import type { IssueCodeResponse } from '@latchkey/contracts';
import {
  formatScope,
  InvalidGrant,
  InvalidScope,
  parseScope,
  randomToken,
  sha256Base64Url,
  ServerError,
} from '@latchkey/oauth';
import { AudienceResolver } from '../access-tokens/audience.resolver';
import { Clock } from '@latchkey/core';
import { AUTHORIZATION_CODE_TTL_SECONDS, REDEEMED_CODE_MEMORY_SECONDS } from '../token.lifetimes';
import { UserGrantsService } from '../user-grants/user-grants.service';
import {
  checkCodeRequestFitsClient,
  type CodeBinding,
  isPlausibleCode,
  readIssueCodeRequest,
} from './authorization-code';
import { CodesStore } from './codes.store';

/** A code taken from the store: its bindings, and the id of the grant its redemption starts. */
export interface RedeemedCode {
  binding: CodeBinding;
  grantId: string;
}

/** One description for every code we cannot redeem: the caller learns nothing about why. */
const CODE_INVALID = 'the authorization code is invalid, expired or already used';

/**
 * Authorization codes (RFC 6749 §4.1.2, docs/architecture.md §3): 256-bit random, stored 60 s under their hash,
 * redeemed once by an atomic GETDEL. A second redemption fails and revokes the grant the first
 * one started (RFC 6749 §4.1.2, RFC 9700 §4.5): a replay means the code leaked.
 */
@Injectable()
export class CodesService {
  private readonly logger = new Logger(CodesService.name);

  constructor(
    private readonly store: CodesStore,
    private readonly clients: ClientsCache,
    private readonly grants: UserGrantsService,
    private readonly clock: Clock,
    private readonly audit: AuditClient,
    private readonly audiences: AudienceResolver,
  ) {}

  /** `token.code.issue`: the gateway, after login and consent. */
  async issue(raw: unknown): Promise<IssueCodeResponse> {
    const request = readIssueCodeRequest(raw);
    const client = await this.clients.get(request.client_id);
    checkCodeRequestFitsClient(request, client);
    // The gateway resolved the audiences at /authorize; a code is a promise of tokens, so the
    // resource and the scopes are checked again here (docs/architecture.md §3, Audiences).
    const audience = await this.audiences.resolve(
      parseScope(request.scope),
      request.resource,
      client,
    );
    if (audience.scopes.length === 0) {
      throw new InvalidScope('none of the requested scopes can be granted');
    }
    const binding: CodeBinding = {
      ...request,
      scope: formatScope(audience.scopes),
      expires_at: this.clock.now().getTime() + AUTHORIZATION_CODE_TTL_SECONDS * 1000,
    };
    const code = randomToken(32);
    if (!(await this.store.save(sha256Base64Url(code), binding, AUTHORIZATION_CODE_TTL_SECONDS))) {
      throw new ServerError();
    }
    // Fail closed: no code leaves without its audit record (never the code itself).
    await this.audit.record('code.issued', {
      subject: request.sub,
      data: {
        client_id: request.client_id,
        sub: request.sub,
        session: request.sid,
        scope: request.scope,
        redirect_uri: request.redirect_uri,
        pkce: request.code_challenge !== undefined,
        resource: request.resource,
      },
    });
    return { code, expires_in: AUTHORIZATION_CODE_TTL_SECONDS };
  }

  /**
   * Takes the code out of the store for good and remembers its redemption, so that a replay finds
   * the grant to revoke. The caller checks the bindings and creates the grant with `grantId`.
   * The memory is written before any check: a replay racing this redemption must already see it.
   * A request whose caller has given up takes nothing: the code stays redeemable by a request
   * that is still awaited (there is no retry of a redemption on the bus, §2.8).
   */
  async redeem(code: string): Promise<RedeemedCode> {
    if (!isPlausibleCode(code)) throw new InvalidGrant(CODE_INVALID);
    const codeHash = sha256Base64Url(code);
    RequestContext.assertCallerWaiting();
    const binding = await this.store.take(codeHash);
    if (!binding) {
      await this.detectReuse(codeHash);
      throw new InvalidGrant(CODE_INVALID);
    }
    if (binding.expires_at <= this.clock.now().getTime()) {
      throw new InvalidGrant('the authorization code has expired');
    }
    const grantId = randomUUID();
    await this.store.rememberRedemption(
      codeHash,
      { grantId, clientId: binding.client_id, sub: binding.sub },
      REDEEMED_CODE_MEMORY_SECONDS,
    );
    return { binding, grantId };
  }

  private async detectReuse(codeHash: string): Promise<void> {
    const owner = await this.store.findRedemption(codeHash);
    if (!owner) return;
    this.logger.warn({
      event: 'token.code_reuse_detected',
      client_id: owner.clientId,
      sub: owner.sub,
      grant_id: owner.grantId,
      msg: 'an authorization code was redeemed twice: the grant it started is revoked',
    });
    await this.grants.revokeForCodeReuse(owner);
    await this.audit.record('token.code_reuse_detected', {
      subject: owner.sub,
      data: { client_id: owner.clientId, sub: owner.sub, grant: owner.grantId },
    });
  }
}
