import { Injectable } from '@nestjs/common';
import { AuditClient } from '@latchkey/audit-client';
import type {
  CreateInitialAccessTokenRequest,
  CreateInitialAccessTokenResponse,
  ManageRegistrationRequest,
  ManageRegistrationResponse,
  RegisterClientRequest,
  RegisterClientResponse,
} from '@latchkey/contracts';
import { constantTimeEqual, InvalidToken, randomToken, sha256Base64Url } from '@latchkey/oauth';
import type { EntityManager } from 'typeorm';
import { fieldsOf, newClientId } from '../clients/client-rules';
import { type StoredClient, toClientView } from '../clients/client-view';
import { ClientsRepository } from '../clients/clients.repository';
import {
  ClientsService,
  createdData,
  updatedData,
  type WrittenClient,
} from '../clients/clients.service';
import { ChangePublisher } from '../shared/change-publisher';
import { Clock } from '@latchkey/core';
import { TransactionRunner } from '../shared/transaction-runner';
import { InitialAccessTokensRepository } from './initial-access-tokens.repository';
import {
  checkClientIdUnchanged,
  checkRegistrationPolicy,
  checkSelfRegisteredMetadata,
  readIatPolicy,
  registrationPolicyOf,
  updatePolicyFor,
  readIatLifetime,
  readIatMaxUses,
  readManageAction,
} from './registration-rules';

/** Compared against when a client has no registration access token, so the work is the same. */
const NO_TOKEN_HASH = 'x'.repeat(43);

/** RFC 7591 dynamic registration with initial access tokens, and RFC 7592 management. */
@Injectable()
export class RegistrationService {
  constructor(
    private readonly db: TransactionRunner,
    private readonly tokens: InitialAccessTokensRepository,
    private readonly clientsRepository: ClientsRepository,
    private readonly clients: ClientsService,
    private readonly clock: Clock,
    private readonly changes: ChangePublisher,
    private readonly audit: AuditClient,
  ) {}

  async createInitialAccessToken(
    request: CreateInitialAccessTokenRequest,
  ): Promise<CreateInitialAccessTokenResponse> {
    const input = fieldsOf(request);
    const lifetime = readIatLifetime(input.expires_in);
    const maxUses = readIatMaxUses(input.max_uses);
    const policy = readIatPolicy(input);
    const now = this.clock.now();
    const token = randomToken();
    const expiresAt = new Date(now.getTime() + lifetime * 1000);
    await this.db.run(async (em) => {
      await this.tokens.prune(em, now);
      await this.tokens.insert(em, {
        tokenHash: sha256Base64Url(token),
        maxUses,
        uses: 0,
        expiresAt,
        createdAt: now,
        scope: policy.scope,
        grantTypes: policy.grant_types,
        defaultResource: policy.default_resource,
      });
    });
    return {
      initial_access_token: token,
      expires_at: expiresAt.toISOString(),
      max_uses: maxUses,
      ...(policy.scope !== null ? { scope: policy.scope } : {}),
      ...(policy.grant_types !== null ? { grant_types: policy.grant_types } : {}),
      ...(policy.default_resource !== null ? { default_resource: policy.default_resource } : {}),
    };
  }

  /**
   * One use of the initial access token and the new client commit together: a registration that
   * fails (bad metadata) does not use the token up.
   */
  /** RFC 7591 registration; a bad initial access token is a failed client authentication. */
  register(request: RegisterClientRequest): Promise<RegisterClientResponse> {
    return this.auditingFailure('initial_access_token', undefined, () =>
      this.registerWith(request),
    );
  }

  private async registerWith(request: RegisterClientRequest): Promise<RegisterClientResponse> {
    const input = fieldsOf(request);
    const token = input.initial_access_token;
    if (typeof token !== 'string' || token === '') throw invalidInitialAccessToken();
    const now = this.clock.now();
    const registrationAccessToken = randomToken();
    const written = await this.db.run(async (em) => {
      const policy = await this.tokens.consume(em, sha256Base64Url(token), now);
      if (!policy) throw invalidInitialAccessToken();
      const metadata = this.clients.validateMetadata(input.metadata);
      checkSelfRegisteredMetadata(metadata);
      checkRegistrationPolicy(metadata, registrationPolicyOf(policy));
      const inserted = await this.clients.insertClient(em, {
        clientId: newClientId(),
        metadata,
        registrationAccessTokenHash: sha256Base64Url(registrationAccessToken),
        now,
      });
      const clientId = inserted.client.clientId;
      await this.clients.recordChange(em, 'client.created', clientId, {
        ...createdData(metadata, 'registration'),
      });
      return inserted;
    });
    await this.changes.clientChanged({ client_id: written.client.clientId, change: 'created' });
    return {
      ...withSecret(written),
      registration_access_token: registrationAccessToken,
    };
  }

  /**
   * RFC 7592 read / update / delete, authorised by the client's registration access token. An
   * update replaces the metadata (§2.2) and keeps the same registration access token (§3 allows
   * either; the client then needs no new one).
   */
  /** RFC 7592 management; a bad registration access token is a failed client authentication. */
  manage(request: ManageRegistrationRequest): Promise<ManageRegistrationResponse> {
    const clientId = fieldsOf(request).client_id;
    return this.auditingFailure(
      'registration_access_token',
      typeof clientId === 'string' ? clientId : undefined,
      () => this.manageWith(request),
    );
  }

  /**
   * Runs `work`; when it refuses the presented token (invalid_token), records
   * `client_authentication.failed` (its transaction has rolled back) and refuses as before.
   */
  private async auditingFailure<T>(
    method: 'initial_access_token' | 'registration_access_token',
    clientId: string | undefined,
    work: () => Promise<T>,
  ): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof InvalidToken)) throw err;
      await this.audit.record('client_authentication.failed', {
        subject: clientId,
        actor: clientId === undefined ? { type: 'anonymous' } : { type: 'client', id: clientId },
        data: {
          client_id: clientId,
          endpoint: 'registration',
          method,
          reason: err.description ?? 'invalid_token',
        },
      });
      throw err;
    }
  }

  private async manageWith(
    request: ManageRegistrationRequest,
  ): Promise<ManageRegistrationResponse> {
    const input = fieldsOf(request);
    const { client_id: clientId, registration_access_token: token } = input;
    if (typeof clientId !== 'string' || typeof token !== 'string') {
      throw invalidRegistrationAccessToken();
    }
    const action = readManageAction(input.action);
    if (action === 'read') {
      const client = await this.clientsRepository.findById(this.db.manager, clientId);
      return { client: toClientView(checkRegistrationAccessToken(client, token)) };
    }
    if (action === 'delete') {
      await this.db.run(async (em) => {
        checkRegistrationAccessToken(await this.clientsRepository.lockById(em, clientId), token);
        await this.clientsRepository.delete(em, clientId);
        await this.clients.recordChange(em, 'client.deleted', clientId, { via: 'registration' });
      });
      await this.changes.clientChanged({ client_id: clientId, change: 'deleted' });
      return null;
    }
    const written = await this.db.run((em) =>
      this.replaceRegisteredMetadata(em, clientId, token, input.metadata),
    );
    await this.changes.clientChanged({ client_id: clientId, change: 'updated' });
    return withSecret(written);
  }

  private async replaceRegisteredMetadata(
    em: EntityManager,
    clientId: string,
    token: string,
    input: unknown,
  ): Promise<WrittenClient> {
    const current = checkRegistrationAccessToken(
      await this.clientsRepository.lockById(em, clientId),
      token,
    );
    checkClientIdUnchanged(input, clientId);
    const metadata = this.clients.validateMetadata(input);
    checkSelfRegisteredMetadata(metadata);
    checkRegistrationPolicy(metadata, updatePolicyFor(current.metadata));
    const replaced = await this.clients.replaceMetadata(em, current, metadata, this.clock.now());
    await this.clients.recordChange(em, 'client.updated', clientId, {
      ...updatedData(current, replaced.client),
      via: 'registration',
    });
    return replaced;
  }
}

/**
 * The presented token against the client's stored hash, in constant time and with one answer for
 * every failure: unknown client, a client registered by an admin (it has no token), a disabled
 * client, a wrong token.
 */
function checkRegistrationAccessToken<T extends StoredClient>(client: T | null, token: string): T {
  const stored = client?.registrationAccessTokenHash ?? NO_TOKEN_HASH;
  const matches = constantTimeEqual(sha256Base64Url(token), stored);
  if (!client || client.registrationAccessTokenHash === null || client.disabled || !matches) {
    throw invalidRegistrationAccessToken();
  }
  return client;
}

function invalidInitialAccessToken(): InvalidToken {
  return new InvalidToken('the initial access token is invalid, expired or used up');
}

function invalidRegistrationAccessToken(): InvalidToken {
  return new InvalidToken('the registration access token is invalid');
}

function withSecret(written: WrittenClient) {
  const client = toClientView(written.client);
  return written.secret === undefined ? { client } : { client, client_secret: written.secret };
}
