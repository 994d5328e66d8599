import { Inject, Injectable } from '@nestjs/common';
import { AuditClient } from '@latchkey/audit-client';
import {
  IDENTITY_PROVIDER_ID_PATTERN,
  type CreateIdentityProviderRequest,
  type DeleteIdentityProviderRequest,
  type EnabledIdentityProvidersResponse,
  type GetIdentityProviderRequest,
  type IdentityProviderRecord,
  type IdentityProviderView,
  type ListIdentityProvidersRequest,
  type ListIdentityProvidersResponse,
  type UpdateIdentityProviderRequest,
} from '@latchkey/contracts';
import { Clock, readPageRequest, toPage } from '@latchkey/core';
import {
  Conflict,
  InvalidRequest,
  NotFound,
  STRICT_OUTBOUND_POLICY,
  TemporarilyUnavailable,
} from '@latchkey/oauth';
import type { EntityManager } from 'typeorm';
import { ChangePublisher } from '../shared/change-publisher';
import { REGISTRY_SETTINGS, type RegistrySettings } from '../shared/registry-settings';
import { TransactionRunner } from '../shared/transaction-runner';
import type { IdentityProviderEntity } from './identity-provider.entity';
import {
  validateIdentityProvider,
  validateIdentityProviderPatch,
  type IdentityProviderInput,
} from './identity-provider-input';
import { ProviderSecrets } from './provider-secrets';
import {
  IdentityProvidersRepository,
  type NewIdentityProvider,
} from './identity-providers.repository';

/**
 * Upstream identity providers: administration (the secret goes in, never out) and the gateway's
 * enabled list with unsealed secrets. Every change is audited in its transaction and announced
 * on `identity_provider.changed` once committed.
 */
@Injectable()
export class IdentityProvidersService {
  constructor(
    private readonly db: TransactionRunner,
    private readonly providers: IdentityProvidersRepository,
    private readonly secrets: ProviderSecrets,
    private readonly clock: Clock,
    private readonly changes: ChangePublisher,
    private readonly audit: AuditClient,
    @Inject(REGISTRY_SETTINGS) private readonly settings: RegistrySettings,
  ) {}

  async create(request: CreateIdentityProviderRequest): Promise<IdentityProviderView> {
    const { provider, clientSecret } = validateIdentityProvider(request?.provider, this.policy);
    const now = this.clock.now();
    const row: NewIdentityProvider = {
      ...toColumns(provider),
      clientSecretSealed: clientSecret ? this.secrets.seal(clientSecret, provider.id) : null,
      createdAt: now,
      updatedAt: now,
    };
    const inserted = await this.db.run(async (em) => {
      if (!(await this.providers.insertIfAbsent(em, row))) return false;
      await this.recordChange(em, 'identity_provider.created', provider.id);
      return true;
    });
    if (!inserted) throw new Conflict('an identity provider with this id already exists');
    await this.changes.identityProviderChanged({ id: provider.id, change: 'created' });
    return toView(row);
  }

  async get(request: GetIdentityProviderRequest): Promise<IdentityProviderView> {
    const row = await this.providers.findById(this.db.manager, readId(request));
    if (!row) throw new NotFound('identity provider not found');
    return toView(row);
  }

  async list(request: ListIdentityProvidersRequest): Promise<ListIdentityProvidersResponse> {
    const { limit, afterSeq } = readPageRequest(request);
    const rows = await this.providers.page(this.db.manager, afterSeq, limit + 1);
    return toPage(rows, limit, toView);
  }

  /** Every enabled provider with its secret unsealed: only ever answered on the bus. */
  async enabled(): Promise<EnabledIdentityProvidersResponse> {
    const rows = await this.providers.enabled(this.db.manager);
    return rows.map((row) => this.toRecord(row));
  }

  async update(request: UpdateIdentityProviderRequest): Promise<IdentityProviderView> {
    const id = readId(request);
    const now = this.clock.now();
    const updated = await this.db.run(async (em) => {
      const current = await this.providers.lockById(em, id);
      if (!current) throw new NotFound('identity provider not found');
      const { provider, clientSecret } = validateIdentityProviderPatch(
        toInput(current),
        request.patch,
        this.policy,
      );
      const changes: Partial<NewIdentityProvider> = { ...toColumns(provider), updatedAt: now };
      if (clientSecret !== undefined) {
        changes.clientSecretSealed = clientSecret ? this.secrets.seal(clientSecret, id) : null;
      }
      await this.providers.update(em, id, changes);
      await this.recordChange(em, 'identity_provider.updated', id, {
        client_secret_changed: clientSecret !== undefined,
      });
      return { ...current, ...changes };
    });
    await this.changes.identityProviderChanged({ id, change: 'updated' });
    return toView(updated);
  }

  async delete(request: DeleteIdentityProviderRequest): Promise<null> {
    const id = readId(request);
    const deleted = await this.db.run(async (em) => {
      if (!(await this.providers.delete(em, id))) return false;
      await this.recordChange(em, 'identity_provider.deleted', id);
      return true;
    });
    if (!deleted) throw new NotFound('identity provider not found');
    await this.changes.identityProviderChanged({ id, change: 'deleted' });
    return null;
  }

  private toRecord(row: IdentityProviderEntity): IdentityProviderRecord {
    let secret: string | null = null;
    if (row.clientSecretSealed !== null) {
      try {
        secret = this.secrets.unseal(row.clientSecretSealed, row.id);
      } catch {
        // Fail closed: a provider whose secret no configured key opens cannot be used.
        throw new TemporarilyUnavailable();
      }
    }
    return { ...toView(row), client_secret: secret };
  }

  private recordChange(
    em: EntityManager,
    type: 'identity_provider.created' | 'identity_provider.updated' | 'identity_provider.deleted',
    id: string,
    data: Record<string, boolean> = {},
  ): Promise<unknown> {
    return this.audit.recordInTransaction(em, type, {
      subject: id,
      data: { identity_provider: id, ...data },
    });
  }

  private get policy() {
    return this.settings.outbound ?? STRICT_OUTBOUND_POLICY;
  }
}

function readId(request: unknown): string {
  const id =
    typeof request === 'object' && request !== null ? (request as { id?: unknown }).id : undefined;
  if (typeof id !== 'string' || id === '') throw new InvalidRequest('id is required');
  if (!IDENTITY_PROVIDER_ID_PATTERN.test(id)) throw new NotFound('identity provider not found');
  return id;
}

function toColumns(
  input: IdentityProviderInput,
): Omit<NewIdentityProvider, 'clientSecretSealed' | 'createdAt' | 'updatedAt'> {
  return {
    id: input.id,
    kind: input.kind,
    displayName: input.display_name,
    enabled: input.enabled,
    clientIds: input.client_ids,
    domains: input.domains,
    issuer: input.issuer,
    authorizationEndpoint: input.authorization_endpoint,
    tokenEndpoint: input.token_endpoint,
    userinfoEndpoint: input.userinfo_endpoint,
    jwksUri: input.jwks_uri,
    clientId: input.client_id,
    clientAuthMethod: input.client_auth_method,
    scopes: input.scopes,
    subjectClaim: input.subject_claim,
    claimMapping: input.claim_mapping,
    useUserinfo: input.use_userinfo,
    linkByVerifiedEmail: input.link_by_verified_email,
    ldap: input.ldap ?? null,
  };
}

function toInput(row: NewIdentityProvider): IdentityProviderInput {
  const view = toView(row);
  const { created_at, updated_at, client_secret_set, ...input } = view;
  void created_at;
  void updated_at;
  void client_secret_set;
  return input;
}

function toView(row: NewIdentityProvider): IdentityProviderView {
  return {
    id: row.id,
    kind: row.kind,
    display_name: row.displayName,
    enabled: row.enabled,
    client_ids: row.clientIds ? [...row.clientIds] : null,
    domains: [...row.domains],
    issuer: row.issuer,
    authorization_endpoint: row.authorizationEndpoint,
    token_endpoint: row.tokenEndpoint,
    userinfo_endpoint: row.userinfoEndpoint,
    jwks_uri: row.jwksUri,
    client_id: row.clientId,
    client_auth_method: row.clientAuthMethod,
    client_secret_set: row.clientSecretSealed !== null,
    scopes: [...row.scopes],
    subject_claim: row.subjectClaim,
    claim_mapping: { ...row.claimMapping },
    use_userinfo: row.useUserinfo,
    link_by_verified_email: row.linkByVerifiedEmail,
    ...(row.ldap ? { ldap: { ...row.ldap } } : {}),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
