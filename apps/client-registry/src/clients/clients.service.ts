import { isDeepStrictEqual } from 'node:util';
import { Inject, Injectable } from '@nestjs/common';
import { AuditClient } from '@latchkey/audit-client';
import type {
  AuditEventData,
  ClientView,
  CorsOriginsResponse,
  CreateClientRequest,
  CreateClientResponse,
  DeleteClientRequest,
  GetClientRequest,
  GetClientResponse,
  ListClientsRequest,
  ListClientsResponse,
  RotateSecretRequest,
  RotateSecretResponse,
  UpdateClientRequest,
  UpdateClientResponse,
} from '@latchkey/contracts';
import {
  clientCorsOrigins,
  type ClientMetadata,
  Conflict,
  InvalidClientMetadata,
  InvalidRequest,
  NotFound,
  randomToken,
  sha256Base64Url,
  validateClientMetadata,
} from '@latchkey/oauth';
import type { EntityManager } from 'typeorm';
import { ChangePublisher } from '../shared/change-publisher';
import { Clock, readPageRequest, toPage } from '@latchkey/core';
import { violatedConstraint } from '../shared/database-errors';
import { REGISTRY_SETTINGS, type RegistrySettings } from '../shared/registry-settings';
import { TransactionRunner } from '../shared/transaction-runner';
import {
  checkAdminScope,
  fieldsOf,
  isObject,
  newClientId,
  readChosenClientId,
  readClientId,
  readDisabled,
  readGracePeriod,
  usesClientSecret,
} from './client-rules';
import { epochSeconds, type StoredClient, toClientRecord, toClientView } from './client-view';
import { ClientsRepository } from './clients.repository';

export interface NewClientInput {
  clientId: string;
  metadata: ClientMetadata;
  registrationAccessTokenHash: string | null;
  now: Date;
}

/** A client as written, with the plaintext secret it was just given (to be shown once), if any. */
export interface WrittenClient {
  client: StoredClient;
  secret?: string;
}

/** The constraint that keeps default_resource pointing at a registered API resource. */
const DEFAULT_RESOURCE_FKEY = 'clients_default_resource_fkey';

@Injectable()
export class ClientsService {
  constructor(
    private readonly db: TransactionRunner,
    private readonly clients: ClientsRepository,
    private readonly clock: Clock,
    private readonly changes: ChangePublisher,
    @Inject(REGISTRY_SETTINGS) private readonly settings: RegistrySettings,
    private readonly audit: AuditClient,
  ) {}

  /**
   * RFC 7591 metadata under this deployment's outbound policy (the URIs the server will call),
   * for every way a client is written: admin API, registration, RFC 7592 update.
   */
  validateMetadata(input: unknown, existing?: ClientMetadata): ClientMetadata {
    return validateClientMetadata(input, { existing, outbound: this.settings.outbound });
  }

  async get(request: GetClientRequest): Promise<GetClientResponse> {
    const clientId = readClientId(request);
    const client = await this.clients.findById(this.db.manager, clientId);
    if (!client) return null;
    const secrets = await this.clients.findLiveSecrets(this.db.manager, clientId, this.clock.now());
    return toClientRecord(client, secrets);
  }

  /** Every origin an enabled client allows (clientCorsOrigins), each once. */
  async corsOrigins(): Promise<CorsOriginsResponse> {
    const origins = new Set<string>();
    for (const metadata of await this.clients.enabledMetadata(this.db.manager)) {
      for (const origin of clientCorsOrigins(metadata)) origins.add(origin);
    }
    return { origins: [...origins] };
  }

  async create(request: CreateClientRequest): Promise<CreateClientResponse> {
    const input = fieldsOf(request);
    const metadata = this.validateMetadata(input.metadata);
    checkAdminScope(metadata);
    const clientId = input.client_id == null ? newClientId() : readChosenClientId(input.client_id);
    const written = await this.db.run(async (em) => {
      const inserted = await this.insertClient(em, {
        clientId,
        metadata,
        registrationAccessTokenHash: null,
        now: this.clock.now(),
      });
      await this.recordChange(em, 'client.created', clientId, createdData(metadata, 'admin'));
      return inserted;
    });
    await this.changes.clientChanged({ client_id: clientId, change: 'created' });
    return withSecret(toClientView(written.client), written.secret);
  }

  async list(request: ListClientsRequest): Promise<ListClientsResponse> {
    const { limit, afterSeq } = readPageRequest(request);
    const rows = await this.clients.page(this.db.manager, afterSeq, limit + 1);
    return toPage(rows, limit, toClientView);
  }

  /** JSON merge patch of the metadata, plus `disabled`; the result is validated as a whole. */
  async update(request: UpdateClientRequest): Promise<UpdateClientResponse> {
    const clientId = readClientId(request);
    this.checkNotConfigured(clientId);
    const patch = request.patch;
    if (!isObject(patch)) throw new InvalidClientMetadata('patch must be a JSON object');
    const { disabled: disabledPatch, ...metadataPatch } = patch;
    const disabled = readDisabled(disabledPatch);
    const now = this.clock.now();
    const written = await this.db.run(async (em) => {
      const current = await this.clients.lockById(em, clientId);
      if (!current) throw new NotFound('client not found');
      const metadata = this.validateMetadata(metadataPatch, current.metadata);
      checkAdminScope(metadata);
      const replaced = await this.replaceMetadata(em, current, metadata, now, disabled);
      await this.recordChange(em, 'client.updated', clientId, {
        ...updatedData(current, replaced.client),
        via: 'admin',
      });
      return replaced;
    });
    await this.changes.clientChanged({ client_id: clientId, change: 'updated' });
    return withSecret(toClientView(written.client), written.secret);
  }

  async delete(request: DeleteClientRequest): Promise<null> {
    const clientId = readClientId(request);
    this.checkNotConfigured(clientId);
    const deleted = await this.db.run(async (em) => {
      const found = await this.clients.delete(em, clientId);
      if (found) await this.recordChange(em, 'client.deleted', clientId, { via: 'admin' });
      return found;
    });
    if (!deleted) throw new NotFound('client not found');
    await this.changes.clientChanged({ client_id: clientId, change: 'deleted' });
    return null;
  }

  /**
   * A new secret, shown once. The old ones keep working for the grace period (0: they stop at
   * once), so a deployment can roll out the new secret without an outage.
   */
  async rotateSecret(request: RotateSecretRequest): Promise<RotateSecretResponse> {
    const clientId = readClientId(request);
    const graceSeconds = readGracePeriod(request.grace_period_seconds);
    this.checkNotConfigured(clientId);
    const now = this.clock.now();
    const written = await this.db.run(async (em) => {
      const current = await this.clients.lockById(em, clientId);
      if (!current) throw new NotFound('client not found');
      if (!usesClientSecret(current.metadata.token_endpoint_auth_method)) {
        throw new InvalidRequest('the client does not authenticate with a client secret');
      }
      if (graceSeconds === 0) await this.clients.deleteSecrets(em, clientId);
      else await this.clients.expireSecrets(em, clientId, addSeconds(now, graceSeconds));
      const secret = randomToken();
      await this.clients.addSecret(em, clientId, sha256Base64Url(secret), now);
      await this.clients.update(em, clientId, { updatedAt: now });
      await this.clients.pruneExpiredSecrets(em, now);
      await this.recordChange(em, 'client.secret_rotated', clientId, {
        grace_period_seconds: graceSeconds,
      });
      return { client: { ...current, updatedAt: now }, secret };
    });
    await this.changes.clientChanged({ client_id: clientId, change: 'secret_rotated' });
    return { client: toClientView(written.client), client_secret: written.secret };
  }

  /**
   * Inserts a client inside the caller's transaction and gives it a secret if its auth method uses
   * one. Shared by the admin API and dynamic registration.
   */
  async insertClient(em: EntityManager, input: NewClientInput): Promise<WrittenClient> {
    const client: StoredClient = {
      clientId: input.clientId,
      metadata: input.metadata,
      disabled: false,
      registrationAccessTokenHash: input.registrationAccessTokenHash,
      clientIdIssuedAt: epochSeconds(input.now),
      createdAt: input.now,
      updatedAt: input.now,
    };
    const inserted = await this.clients
      .insertIfAbsent(em, client)
      .catch((err: unknown) => Promise.reject(translateClientConstraint(err)));
    if (!inserted) throw new Conflict('client_id is already registered');
    const secret = usesClientSecret(client.metadata.token_endpoint_auth_method)
      ? await this.addNewSecret(em, client.clientId, input.now)
      : undefined;
    return { client, secret };
  }

  /**
   * Stores validated metadata (an admin merge patch or an RFC 7592 replacement) in the caller's
   * transaction. Moving to a method without a secret deletes the secrets; moving from one to a
   * secret method generates the client's first secret.
   */
  async replaceMetadata(
    em: EntityManager,
    current: StoredClient,
    metadata: ClientMetadata,
    now: Date,
    disabled = current.disabled,
  ): Promise<WrittenClient> {
    const hadSecret = usesClientSecret(current.metadata.token_endpoint_auth_method);
    const needsSecret = usesClientSecret(metadata.token_endpoint_auth_method);
    if (hadSecret && !needsSecret) await this.clients.deleteSecrets(em, current.clientId);
    const secret =
      needsSecret && !hadSecret ? await this.addNewSecret(em, current.clientId, now) : undefined;
    await this.clients
      .update(em, current.clientId, { metadata, disabled, updatedAt: now })
      .catch((err: unknown) => Promise.reject(translateClientConstraint(err)));
    return { client: { ...current, metadata, disabled, updatedAt: now }, secret };
  }

  /** An audit event committed with the change it describes (docs/architecture.md §6). */
  recordChange(
    em: EntityManager,
    type: 'client.created' | 'client.updated' | 'client.deleted' | 'client.secret_rotated',
    clientId: string,
    data: AuditEventData,
  ): Promise<unknown> {
    return this.audit.recordInTransaction(em, type, {
      subject: clientId,
      data: { client_id: clientId, ...data },
    });
  }

  /**
   * The ADMIN_CLIENT_ID client is kept as configured by the admin bootstrap at every start; an API
   * change would be undone at the next start or lock the operator out until then.
   */
  private checkNotConfigured(clientId: string): void {
    if (clientId === this.settings.adminClient?.id) {
      throw new Conflict(
        'this client is managed by the ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET settings',
      );
    }
  }

  private async addNewSecret(em: EntityManager, clientId: string, now: Date): Promise<string> {
    const secret = randomToken();
    await this.clients.addSecret(em, clientId, sha256Base64Url(secret), now);
    return secret;
  }
}

/** What a security team wants to know about a new client: what it may do, not its secret. */
export function createdData(metadata: ClientMetadata, via: 'admin' | 'registration') {
  return {
    client_name: metadata.client_name,
    grant_types: [...metadata.grant_types],
    token_endpoint_auth_method: metadata.token_endpoint_auth_method,
    scope: metadata.scope,
    via,
  };
}

/** Which fields an update changed (names only: values such as jwks stay out of the log). */
export function updatedData(before: StoredClient, after: StoredClient) {
  const fields = new Set([...Object.keys(before.metadata), ...Object.keys(after.metadata)]);
  const changed = [...fields].filter(
    (field) =>
      !isDeepStrictEqual(
        (before.metadata as unknown as Record<string, unknown>)[field],
        (after.metadata as unknown as Record<string, unknown>)[field],
      ),
  );
  if (before.disabled !== after.disabled) changed.push('disabled');
  return { changed: changed.sort(), disabled: after.disabled };
}

function translateClientConstraint(err: unknown): unknown {
  return violatedConstraint(err) === DEFAULT_RESOURCE_FKEY
    ? new InvalidClientMetadata('default_resource is not a registered API resource')
    : err;
}

function withSecret(client: ClientView, secret: string | undefined) {
  return secret === undefined ? { client } : { client, client_secret: secret };
}

function addSeconds(date: Date, seconds: number): Date {
  return new Date(date.getTime() + seconds * 1000);
}
